"""The cases the multi-process tests run, one per MPI job: `python rank_cases.py CASE`.

Every rank runs the case and asserts; an assertion on any rank fails the job. Expected values
come from NumPy, computed on each rank from every rank's (seeded) inputs.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

import ember
import ember.distributed as dist

DTYPES = [np.float32, np.float64, np.int64]


def rank_data(rank: int, dtype, shape=(2, 3)) -> np.ndarray:
    """Rank `rank`'s input: small values, so that sums and products are exact in every dtype."""
    rng = np.random.default_rng(100 + rank)
    return rng.integers(-3, 4, size=shape).astype(dtype)


def close(actual, expected, what: str) -> None:
    actual = actual.numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    assert actual.dtype == np.asarray(expected).dtype, f"{what}: dtype {actual.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=1e-6, err_msg=what)


def case_collectives() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    for dtype in DTYPES:
        mine = rank_data(rank, dtype)
        every = np.stack([rank_data(r, dtype) for r in range(n)])
        name = np.dtype(dtype).name
        reductions = {dist.ReduceOp.SUM: every.sum(0), dist.ReduceOp.MAX: every.max(0),
                      dist.ReduceOp.MIN: every.min(0), dist.ReduceOp.PRODUCT: every.prod(0)}
        if np.dtype(dtype).kind == "f":
            reductions[dist.ReduceOp.AVG] = every.mean(0).astype(dtype)
        for op, expected in reductions.items():
            t = ember.tensor(mine)
            assert dist.all_reduce(t, op) is None
            close(t, expected, f"all_reduce {op.name} {name}")
            t = ember.tensor(mine)
            dist.all_reduce(t, op, async_op=True).wait()
            close(t, expected, f"async all_reduce {op.name} {name}")
            t = ember.tensor(mine)
            dst = n - 1
            dist.reduce(t, dst, op)
            if rank == dst:
                close(t, expected, f"reduce {op.name} {name}")

        t = ember.tensor(mine)
        dist.broadcast(t, src=n - 1)
        close(t, every[n - 1], f"broadcast {name}")

        outs = [ember.zeros(2, 3, dtype=t.dtype) for _ in range(n)]
        dist.all_gather(outs, ember.tensor(mine))
        for r in range(n):
            close(outs[r], every[r], f"all_gather {name} from {r}")
        out = ember.tensor(np.zeros((n * 2, 3), dtype))
        dist.all_gather_into_tensor(out, ember.tensor(mine))
        close(out, every.reshape(n * 2, 3), f"all_gather_into_tensor {name}")

        big = [rank_data(r, dtype, (n * 2, 3)) for r in range(n)]
        out = ember.tensor(np.zeros((2, 3), dtype))
        dist.reduce_scatter_tensor(out, ember.tensor(big[rank]))
        close(out, np.sum(big, axis=0)[rank * 2:rank * 2 + 2], f"reduce_scatter_tensor {name}")

        gathered = [ember.tensor(np.zeros((2, 3), dtype)) for _ in range(n)] if rank == 1 \
            else None
        dist.gather(ember.tensor(mine), gathered, dst=1)
        if rank == 1:
            for r in range(n):
                close(gathered[r], every[r], f"gather {name} from {r}")

        out = ember.tensor(np.zeros((2, 3), dtype))
        pieces = [ember.tensor(every[r] * 10) for r in range(n)] if rank == 0 else None
        dist.scatter(out, pieces, src=0)
        close(out, every[rank] * 10, f"scatter {name}")

        sent = np.arange(n * 2, dtype=dtype) + 100 * rank
        out = ember.tensor(np.zeros(n * 2, dtype))
        dist.all_to_all_single(out, ember.tensor(sent))
        expected = np.concatenate([np.arange(n * 2, dtype=dtype)[2 * rank:2 * rank + 2]
                                   + 100 * r for r in range(n)])
        close(out, expected, f"all_to_all_single {name}")
        # uneven: rank r sends r + 1 rows to each rank
        rows = [(r + 1) for r in range(n)]
        sent = np.full((rows[rank] * n, 2), rank, dtype)
        out = ember.tensor(np.zeros((sum(rows), 2), dtype))
        dist.all_to_all_single(out, ember.tensor(sent), output_split_sizes=rows,
                               input_split_sizes=[rows[rank]] * n)
        expected = np.concatenate([np.full((rows[r], 2), r, dtype) for r in range(n)])
        close(out, expected, f"all_to_all_single uneven {name}")

        # point to point: a ring, blocking and not
        right, left = (rank + 1) % n, (rank - 1) % n
        got = ember.tensor(np.zeros((2, 3), dtype))
        if rank % 2 == 0:
            dist.send(ember.tensor(mine), right)
            source = dist.recv(got, left)
        else:
            source = dist.recv(got)
            dist.send(ember.tensor(mine), right)
        assert source == left, (source, left)
        close(got, every[left], f"send/recv {name}")
        got = ember.tensor(np.zeros((2, 3), dtype))
        works = [dist.isend(ember.tensor(mine), right, tag=7), dist.irecv(got, left, tag=7)]
        for w in works:
            assert w.wait() is True
        assert all(w.is_completed() for w in works)
        close(got, every[left], f"isend/irecv {name}")

    t = ember.tensor([1, 2])
    try:
        dist.all_reduce(t, dist.ReduceOp.AVG)
    except ValueError as e:
        assert "AVG needs a floating-point tensor" in str(e)
    else:
        raise AssertionError("AVG of int64 must raise")
    dist.barrier()
    dist.barrier(async_op=True).wait()


def case_objects() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    gathered = [None] * n
    dist.all_gather_object(gathered, {"rank": rank, "name": "é" * rank, "xs": [1.5, None]})
    assert gathered == [{"rank": r, "name": "é" * r, "xs": [1.5, None]} for r in range(n)]
    objects = [{"epoch": 3}, "text", [1, 2]] if rank == 1 else [None, None, None]
    dist.broadcast_object_list(objects, src=1)
    assert objects == [{"epoch": 3}, "text", [1, 2]], objects
    for bad in ((1, 2), {1: "a"}, np.zeros(2), ember.zeros(2)):
        try:
            dist.all_gather_object(gathered, bad)
        except TypeError as e:
            assert "JSON" in str(e) or "keys must be str" in str(e), e
        else:
            raise AssertionError(f"{type(bad).__name__} must not be sent")


def case_groups() -> None:
    rank, n = dist.get_rank(), dist.get_world_size()
    members = [0, n - 1]
    group = dist.new_group(members)
    if rank in members:
        assert dist.get_rank(group) == members.index(rank)
        assert dist.get_world_size(group) == 2
        t = ember.tensor([float(rank)])
        dist.all_reduce(t, group=group)
        close(t, np.array([float(n - 1)], np.float32), "all_reduce in a group")
        t = ember.tensor([float(rank)])
        dist.broadcast(t, src=n - 1, group=group)  # src is a global rank
        close(t, np.array([float(n - 1)], np.float32), "broadcast in a group")
    else:
        assert group is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(group) == -1 and dist.get_world_size(group) == -1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert dist.all_reduce(ember.ones(1), group=group) is None
        assert "does not belong to the given group" in str(caught[0].message)
    if rank in members:
        dist.destroy_process_group(group)
    dist.barrier()


# ---- DistributedDataParallel -------------------------------------------------------------
def _models():
    from ember import nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 32), nn.ReLU(),
                                     nn.Linear(32, 10))

        def forward(self, x):
            return self.net(x)

    class CNN(nn.Module):
        """ember.models.CNN's layout with BatchNorm after each conv (and no dropout, whose
        masks differ between ranks)."""

        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 5 * 5, 128),
                                            nn.ReLU(), nn.Linear(128, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    class Recurrent(nn.Module):
        """An LSTM over the 28 rows of an image, classifying from the last step."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 16, batch_first=True)
            self.head = nn.Linear(16, 10)

        def forward(self, x):
            out, _ = self.lstm(x.reshape(x.shape[0], 28, 28))
            return self.head(out[:, -1])

    return {"mlp": MLP, "cnn": CNN, "lstm": Recurrent}


def _batch(size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((size, 1, 28, 28)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, size))
    return x, y


def _assert_same_state(model, reference, what: str, atol: float = 2e-5) -> None:
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs), what
    for key in ours:
        np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy(), rtol=2e-4,
                                   atol=atol, err_msg=f"{what}: {key}")


def case_ddp_equals_one_process(*names: str) -> None:
    """N ranks with a global batch of 12 end with the weights (and SyncBatchNorm's running
    statistics) of one process with the whole batch."""
    import ember.nn.functional as F
    from ember import nn, optim

    rank, n = dist.get_rank(), dist.get_world_size()
    batch, steps = 12, 3
    for name in names:
        build = _models()[name]
        ember.manual_seed(10 + rank)  # different weights on every rank: DDP broadcasts rank 0's
        model = nn.SyncBatchNorm.convert_sync_batchnorm(build())
        ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.001)
        assert ddp.module is model and len(ddp.reducer.buckets) > 1
        opt = optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
        ember.manual_seed(10)
        reference = build()
        ref_opt = optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
        share = slice(rank * batch // n, (rank + 1) * batch // n)
        for step in range(steps):
            x, y = _batch(batch, seed=step)
            opt.zero_grad()
            F.cross_entropy(ddp(x[share]), y[share]).backward()
            opt.step()
            ref_opt.zero_grad()
            F.cross_entropy(reference(x), y).backward()
            ref_opt.step()
        _assert_same_state(model, reference, f"{name} on {n} ranks")
        assert list(ddp.state_dict()) == [f"module.{k}" for k in model.state_dict()]


def case_ddp_no_sync() -> None:
    """Two micro-batches under no_sync() and a third outside: the gradients of one batch."""
    import copy

    import ember.nn.functional as F
    from ember import nn

    rank, n = dist.get_rank(), dist.get_world_size()
    model = _models()["mlp"]()
    ddp = nn.parallel.DistributedDataParallel(model)
    reference = copy.deepcopy(model)
    micro = 4
    x, y = _batch(3 * micro * n, seed=5)
    shards = [slice((k * n + rank) * micro, (k * n + rank + 1) * micro) for k in range(3)]
    with ddp.no_sync():
        for k in range(2):
            (F.cross_entropy(ddp(x[shards[k]]), y[shards[k]]) / 3).backward()
    local = model.net[1].weight.grad.numpy().copy()
    everyone = [ember.zeros(*local.shape) for _ in range(n)]
    dist.all_gather(everyone, ember.tensor(local))
    assert not np.allclose(everyone[0].numpy(), everyone[1].numpy()), "no_sync averaged"
    (F.cross_entropy(ddp(x[shards[2]]), y[shards[2]]) / 3).backward()
    F.cross_entropy(reference(x), y).backward()
    for (key, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=key)


def _local_then_averaged(model, run) -> dict:
    """What DDP must give: every rank's plain gradients of `run(model)`, averaged; None for
    parameters that no rank used."""
    import copy

    plain = copy.deepcopy(model)
    run(plain).backward()
    expected = {}
    for key, p in plain.named_parameters():
        grad = ember.tensor(np.zeros(p.shape, np.float32) if p.grad is None else p.grad.numpy())
        dist.all_reduce(grad, dist.ReduceOp.AVG)
        expected[key] = grad.numpy() if _any_rank(p.grad is not None) else None
    return expected


def _any_rank(flag: bool) -> bool:
    t = ember.tensor([int(flag)])
    dist.all_reduce(t, dist.ReduceOp.MAX)
    return bool(t.numpy()[0])


class _Heads(ember.nn.Module):
    """A trunk and three heads: `a` always used, `b` and `c` where asked."""

    def __init__(self):
        from ember import nn

        super().__init__()
        self.trunk = nn.Linear(6, 8)
        self.a, self.b, self.c = nn.Linear(8, 3), nn.Linear(8, 3), nn.Linear(8, 3)

    def forward(self, x, use_b: bool = False, use_c: bool = False):
        h = self.trunk(x).relu()
        out = {"a": self.a(h)}
        if use_b:
            out["b"] = self.b(h)
        if use_c:
            out["c"] = self.c(h)
        return out


def case_ddp_unused_parameters() -> None:
    from ember import nn

    rank = dist.get_rank()
    ember.manual_seed(3)
    x = ember.randn(5, 6) + rank

    def loss_of(model):
        out = model(x, use_b=rank == 0)
        return sum(t.square().mean() for t in out.values())

    model = _Heads()
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    expected = _local_then_averaged(model, loss_of)
    loss_of(ddp).backward()
    for key, p in model.named_parameters():
        if expected[key] is None:
            assert p.grad is None, f"{key}: unused everywhere, its grad must stay None"
        else:
            np.testing.assert_allclose(p.grad.numpy(), expected[key], rtol=1e-5, atol=1e-7,
                                       err_msg=key)
    model.zero_grad()
    loss_of(ddp).backward()  # a second iteration works as well
    # Without find_unused_parameters, an unused parameter is PyTorch's error next forward.
    strict = nn.parallel.DistributedDataParallel(_Heads())
    sum(t.sum() for t in strict(x).values()).backward()
    try:
        strict(x)
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e), e
        assert "b.weight" in str(e) and "c.weight" in str(e), e
    else:
        raise AssertionError("an unused parameter must raise without find_unused_parameters")


def case_ddp_inputs_outputs_and_buffers() -> None:
    """Several outputs and an input that requires grad; buffers copied from rank 0."""
    from ember import nn

    rank = dist.get_rank()
    model = _Heads()
    ddp = nn.parallel.DistributedDataParallel(model)
    ember.manual_seed(4 + rank)
    x = ember.randn(5, 6, requires_grad=True)
    x_plain = x.detach().clone().requires_grad_()

    def loss_of(m, inp):
        out = m(inp, use_b=True, use_c=True)
        return (out["a"] * out["b"]).sum() + out["c"].mean()

    expected = _local_then_averaged(model, lambda m: loss_of(m, x_plain))
    loss_of(ddp, x).backward()
    np.testing.assert_allclose(x.grad.numpy(), x_plain.grad.numpy(), rtol=1e-6,
                               err_msg="the input's gradient is this rank's, not averaged")
    for key, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), expected[key], rtol=1e-5, atol=1e-7,
                                   err_msg=key)

    for broadcast in (True, False):
        ember.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        ddp = nn.parallel.DistributedDataParallel(net, broadcast_buffers=broadcast)
        ddp(ember.randn(6, 4) * (rank + 1)).sum().backward()  # each rank: its own statistics
        with ember.no_grad():
            ddp.eval()(ember.randn(6, 4))  # the first forward after a synced one
        gathered = [ember.zeros(4) for _ in range(dist.get_world_size())]
        dist.all_gather(gathered, net[1].running_var)
        same = np.allclose(gathered[0].numpy(), gathered[1].numpy())
        assert same == broadcast, f"broadcast_buffers={broadcast}: buffers equal is {same}"


def case_ddp_grad_ready_hook() -> None:
    """Buckets are all-reduced while backward is still running, from the engine's
    post-accumulate-grad hooks, and backward returns with every gradient averaged."""
    import ember.nn.functional as F
    from ember import nn

    rank, n = dist.get_rank(), dist.get_world_size()
    model = _models()["mlp"]()
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.001)
    buckets = ddp.reducer.buckets
    assert len(buckets) > 1, len(buckets)
    reference = _models()["mlp"]()
    reference.load_state_dict(model.state_dict())
    first_weight = model.net[1].weight  # its gradient is the last one backward computes
    seen = []  # per hook, after DDP's own: (buckets started, first layer's weight has a grad)

    def record(param) -> None:
        seen.append((sum(b.work is not None for b in buckets), first_weight.grad is not None))

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(record)
    x, y = _batch(4 * n, seed=9)
    share = slice(4 * rank, 4 * rank + 4)
    F.cross_entropy(ddp(x[share]), y[share]).backward()
    assert len(seen) == len(list(model.parameters())), seen
    started = [count for count, _ in seen]
    assert started == sorted(started) and started[-1] == len(buckets), seen
    assert any(count >= 1 and not done for count, done in seen), \
        f"a bucket must start before backward reaches the first layer: {seen}"
    assert all(b.work.is_completed() for b in buckets), "backward returned before a bucket"
    F.cross_entropy(reference(x), y).backward()
    for (key, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=key)


def case_ddp_different_models() -> None:
    from ember import nn

    rank = dist.get_rank()
    try:
        nn.parallel.DistributedDataParallel(nn.Linear(3, 2 + rank))
    except RuntimeError as e:
        assert "wrap different modules" in str(e), e
    else:
        raise AssertionError("different models on the ranks must raise")


def case_sync_batchnorm_double_backward() -> None:
    """A gradient penalty through SyncBatchNorm: each rank's share of d(loss)/dx and of the
    penalty's gradients equals one process's BatchNorm on the whole batch (the weight's
    gradients summed over the ranks)."""
    from ember import autograd, nn

    rank, n = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    x_all, v_all = rng.standard_normal((6, 3, 2, 2)), rng.standard_normal((6, 3, 2, 2))
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    share = slice(rank * 6 // n, (rank + 1) * 6 // n)

    def penalty_gradients(bn, x, v):
        with ember.no_grad():
            bn.weight.copy_(ember.tensor(weight))
            bn.bias.copy_(ember.tensor(bias))
        x = ember.tensor(x, requires_grad=True)
        loss = (bn(x).tanh() * ember.tensor(v)).sum()
        grad_x, = autograd.grad(loss, x, create_graph=True)
        (grad_x * grad_x).sum().backward()
        return grad_x.detach().numpy(), x.grad.numpy(), bn.weight.grad, bn.bias.grad

    ours = penalty_gradients(nn.SyncBatchNorm(3, dtype=ember.float64), x_all[share],
                             v_all[share])
    theirs = penalty_gradients(nn.BatchNorm2d(3, dtype=ember.float64), x_all, v_all)
    for name, mine, ref in zip(["d(loss)/dx", "x.grad"], ours[:2], theirs[:2]):
        np.testing.assert_allclose(mine, ref[share], rtol=1e-9, atol=1e-12, err_msg=name)
    for name, mine, ref in zip(["weight.grad", "bias.grad"], ours[2:], theirs[2:]):
        dist.all_reduce(mine)
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def main() -> None:
    """Each argument names a case, with its arguments after a colon: `name:arg1,arg2`."""
    dist.init_process_group("mpi")
    for spec in sys.argv[1:]:
        name, _, args = spec.partition(":")
        globals()[f"case_{name}"](*filter(None, args.split(",")))
        dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
