"""In-place ops are differentiable, as in PyTorch: every in-place method, the augmented
operators, __setitem__ and inplace=True, on a tensor and on views of it (CopySlices), with the
gradients of every input compared with PyTorch's; the version counter's errors; PyTorch's
refusals; and the ResNet block that writes `out += identity`."""

from __future__ import annotations

import numpy as np
import pytest

import ember

TARGETS = {  # what the op writes to: the tensor itself, or a view of it
    "self": lambda y: y,
    "rows": lambda y: y[1:],
    "transposed": lambda y: y.t(),
    "column": lambda y: y[:, 2],
}


def F(m):
    return m.nn.functional


def setitem(t, index, value):
    t[index] = value
    return t


# (id, fn(m, target, other, mask)): `other` (requires grad) and `mask` have the target's shape.
OPS = [
    ("add_", lambda m, t, o, k: t.add_(o)),
    ("add_alpha", lambda m, t, o, k: t.add_(o, alpha=2.5)),
    ("add_scalar", lambda m, t, o, k: t.add_(2.5)),
    ("iadd", lambda m, t, o, k: t.__iadd__(o)),
    ("sub_", lambda m, t, o, k: t.sub_(o)),
    ("isub_scalar", lambda m, t, o, k: t.__isub__(1.5)),
    ("mul_", lambda m, t, o, k: t.mul_(o)),
    ("imul", lambda m, t, o, k: t.__imul__(o)),
    ("div_", lambda m, t, o, k: t.div_(o)),
    ("itruediv_scalar", lambda m, t, o, k: t.__itruediv__(4.0)),
    ("pow_", lambda m, t, o, k: t.pow_(2)),
    ("pow_tensor", lambda m, t, o, k: t.pow_(o)),
    ("neg_", lambda m, t, o, k: t.neg_()),
    ("abs_", lambda m, t, o, k: t.sub_(1).abs_()),
    ("exp_", lambda m, t, o, k: t.exp_()),
    ("log_", lambda m, t, o, k: t.log_()),
    ("sqrt_", lambda m, t, o, k: t.sqrt_()),
    ("clamp_", lambda m, t, o, k: t.clamp_(0.8, 1.5)),
    ("relu_", lambda m, t, o, k: t.sub_(1).relu_()),
    ("sigmoid_", lambda m, t, o, k: t.sigmoid_()),
    ("tanh_", lambda m, t, o, k: t.tanh_()),
    ("zero_", lambda m, t, o, k: t.zero_()),
    ("fill_", lambda m, t, o, k: t.fill_(3.0)),
    ("fill_tensor", lambda m, t, o, k: t.fill_(o.sum())),
    ("copy_", lambda m, t, o, k: t.copy_(o)),
    ("copy_broadcast", lambda m, t, o, k: t.copy_(o.reshape(-1)[:1])),
    ("masked_fill_", lambda m, t, o, k: t.masked_fill_(k, 0.5)),
    ("setitem_basic", lambda m, t, o, k: setitem(t, 0, o[0] * 2)),
    ("setitem_slice", lambda m, t, o, k: setitem(t, slice(1, None), o[1:].exp())),
    ("setitem_index", lambda m, t, o, k: setitem(t, [0, 0, 1], o[1:2].expand(3, *o.shape[1:]))),
    ("setitem_mask", lambda m, t, o, k: setitem(t, k, 0.25)),
    ("setitem_number", lambda m, t, o, k: setitem(t, 0, 7.0)),
    ("relu_inplace", lambda m, t, o, k: F(m).relu(t.sub_(1), inplace=True)),
    ("leaky_relu_inplace", lambda m, t, o, k: F(m).leaky_relu(t.sub_(1), 0.2, inplace=True)),
    ("silu_inplace", lambda m, t, o, k: F(m).silu(t, inplace=True)),
    ("ReLU_module", lambda m, t, o, k: m.nn.ReLU(inplace=True)(t.sub_(1))),
]


def setup(m, arrays, target: str):
    x_arr, o_arr, mask_arr, w_arr = arrays
    x = m.tensor(x_arr, requires_grad=True)
    y = x * 1.5
    t = TARGETS[target](y)
    o = m.tensor(o_arr[:t.numel()].reshape(tuple(t.shape)), requires_grad=True)
    mask = m.tensor(mask_arr[:t.numel()].reshape(tuple(t.shape)))
    return x, y, t, o, mask, m.tensor(w_arr)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("name, fn", OPS, ids=[c[0] for c in OPS])
def test_inplace_gradients_match_torch(torch, name, fn, target):
    rng = np.random.default_rng(0)
    arrays = (rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, 12),
              rng.random(12) > 0.5, rng.standard_normal((3, 4)))
    results = []
    for m in (ember, torch):
        x, y, t, o, mask, w = setup(m, arrays, target)
        out = fn(m, t, o, mask)
        assert out is t
        assert t._version > 0 and y._version == t._version
        (y * w).sum().backward()
        grads = [None if g is None else g.numpy() for g in (x.grad, o.grad)]
        results.append((y.detach().numpy(), t.detach().numpy(), grads, y.requires_grad))
    (y_e, t_e, g_e, rg_e), (y_t, t_t, g_t, rg_t) = results
    np.testing.assert_allclose(y_e, y_t, rtol=1e-12)
    np.testing.assert_allclose(t_e, t_t, rtol=1e-12)
    assert rg_e == rg_t
    for ours, theirs, what in zip(g_e, g_t, ("x", "other")):
        if theirs is None or not theirs.any():
            assert ours is None or not ours.any(), what
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=what)


def test_matmul_inplace(torch):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4))
    grads = []
    for m in (ember, torch):
        x, w = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        y = x * 1
        y @= w
        y.pow(2).sum().backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_grad_fn_names_follow_torch(torch):
    for m in (ember, torch):
        y = m.ones(3, requires_grad=True) * 1
        names = []
        y.mul_(2)
        names.append(type(y.grad_fn).__name__ if m is torch else y.grad_fn.name())
        y[0] = 5.0
        names.append(type(y.grad_fn).__name__ if m is torch else y.grad_fn.name())
        y[[0, 1]] = 1.0
        names.append(type(y.grad_fn).__name__ if m is torch else y.grad_fn.name())
        if m is ember:
            ours = names
    assert ours == names == ["MulBackward0", "CopySlices", "IndexPutBackward0"]


def test_writing_into_a_buffer_builds_a_graph(torch):
    """`out[i] = f(w[i])` in a loop, and `x = zeros(3); x[1] = w[0] * 2`."""
    rng = np.random.default_rng(2)
    w_arr = rng.standard_normal((4, 3))
    grads = []
    for m in (ember, torch):
        w = m.tensor(w_arr, requires_grad=True)
        out = m.zeros(4, 3, dtype=m.float64)
        for i in range(4):
            out[i] = (w[i] * (i + 1)).tanh()
        x = m.zeros(3, dtype=m.float64)
        x[1] = w[0, 0] * 2
        assert out.requires_grad and x.requires_grad
        (out.sum() + (x * x).sum()).backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_views_made_before_an_inplace_write_follow_the_new_history(torch):
    grads = []
    for m in (ember, torch):
        w = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        z = m.zeros(3, dtype=m.float64)
        early = z[1:]  # a view made before z depends on w
        z[1] = w[1] * 3
        assert early.requires_grad and early.grad_fn is not None
        (early * m.tensor([10.0, 100.0], dtype=m.float64)).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


# ---- the version counter ---------------------------------------------------------------
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace"


def test_saved_input_changed_in_place_is_detected(torch):
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        z = y * y  # saves y
        y.add_(1)
        with pytest.raises(RuntimeError, match=MODIFIED):
            z.sum().backward()


def test_saved_output_changed_in_place_is_detected(torch):
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = x.exp()  # saves its output
        y.add_(1)
        with pytest.raises(RuntimeError, match=MODIFIED):
            y.sum().backward()


def test_view_of_saved_tensor_changed_in_place_is_detected(torch):
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = x.exp()
        y[1:].mul_(2)
        with pytest.raises(RuntimeError, match=MODIFIED):
            y.sum().backward()
        x2 = m.ones(3, requires_grad=True)
        y2 = x2 * 3
        z2 = y2.sin()  # saves y2
        y2.detach().zero_()  # detach shares the version counter
        with pytest.raises(RuntimeError, match=MODIFIED):
            z2.sum().backward()


def test_inplace_change_of_unsaved_tensor_is_fine(torch):
    grads = []
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = x + 1  # add saves nothing
        z = y + 2
        y.mul_(5)
        (z.sum() + y.sum()).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_inplace_of_an_op_that_needs_the_old_value_keeps_a_copy(torch):
    grads = []
    for m in (ember, torch):
        a = m.tensor([1.0, 2.0, 3.0])
        w = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        a.mul_(w)  # w's gradient is the old a
        a.sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_refusals_match_torch(torch):
    for m in (ember, torch):
        leaf = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            leaf.add_(1)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            leaf[1:].mul_(2)
        y = leaf * 1
        with m.no_grad():
            v = y[1:]
            leaf.add_(1)  # allowed under no_grad
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
            v.mul_(2)
        assert leaf.tolist() == [2.0, 2.0, 2.0]


# ---- a ResNet basic block: out = conv(x); out = bn(out); out += identity; out = relu(out) -----
def resnet_block(m):
    nn = m.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(4)
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            identity = x
            out = self.conv(x)
            out = self.bn(out)
            out += identity
            return self.relu(out)

    return Block()


def test_resnet_block_trains_like_torch(torch):
    ours, theirs = resnet_block(ember), resnet_block(torch)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    opt_e = ember.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
        losses = []
        for model, opt, m in ((ours, opt_e, ember), (theirs, opt_t, torch)):
            opt.zero_grad()
            inp = m.tensor(x, requires_grad=True)
            loss = model(inp).pow(2).mean()
            loss.backward()
            losses.append((loss.item(), inp.grad.numpy(),
                           [p.grad.numpy() for p in model.parameters()]))
            opt.step()
        (le, ge, pe), (lt, gt, pt) = losses
        assert le == pytest.approx(lt, rel=1e-5)
        np.testing.assert_allclose(ge, gt, rtol=1e-4, atol=1e-6)
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
