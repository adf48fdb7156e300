"""Devices on a CPU-only library, against a CPU-only PyTorch: ember.device, Tensor.to/.cpu/.cuda,
Module.to, factories' device=, ember.cuda, ember.backends and ember.accelerator."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from parity_helpers import outcome, same_kind

import ember


def _outcome(fn):
    """('ok', repr) or (exception type, None): what a call gives in either library."""
    kind, value = outcome(fn)
    return kind, (repr(value) if kind == "ok" else None)


DEVICES = ["'cpu'", "'cuda'", "'cuda:1'", "'cuda', 1", "'cpu', 0", "'cpu:0'", "'mps'", "'meta'",
           "'foo'", "'CPU'", "'cuda:x'", "'cuda:-1'", "'cuda', -1", "0", "1.0"]


@pytest.mark.parametrize("args", DEVICES)
def test_device_construction_matches_torch(torch, args):
    ours = _outcome(lambda: eval(f"m.device({args})", {"m": ember}))
    theirs = _outcome(lambda: eval(f"m.device({args})", {"m": torch}))
    if same_kind(ours, theirs, args):
        assert ours == theirs
        dev, ref = eval(f"ember.device({args})"), eval(f"torch.device({args})", {"torch": torch})
        assert (dev.type, dev.index, str(dev)) == (ref.type, ref.index, str(ref))


def test_device_equality_hash_pickle_and_context():
    assert ember.device("cpu") == ember.device("cpu") != ember.device("cpu", 0)
    assert ember.device("cpu") != "cpu"  # as in PyTorch: a device is not its string
    assert len({ember.device("cuda:1"), ember.device("cuda", 1)}) == 1
    assert pickle.loads(pickle.dumps(ember.device("cuda:1"))) == ember.device("cuda", 1)
    assert ember.device(ember.device("cuda:1")) == ember.device("cuda:1")
    with ember.device("cpu"):
        assert ember.zeros(1).device == ember.device("cpu")
    with pytest.raises(AssertionError, match="CPU only"), ember.device("cuda"):
        pass


# Each expression runs in both libraries (m is ember or torch, x a float32 tensor of 2).
TO_CALLS = [
    "x.to('cpu')", "x.to(m.float64)", "x.to('cpu', m.float64)", "x.to(m.float64, True, True)",
    "x.to('cpu', m.float64, True, True)", "x.to(m.zeros(1, dtype=m.int32))",
    "x.to(m.zeros(1, dtype=m.int32), non_blocking=True)", "x.to(device='cpu', dtype=m.int64)",
    "x.to(dtype=m.float64, non_blocking=True, copy=True)", "x.to(None)",
    "x.to(None, m.float64)", "x.to(m.device('cpu'), dtype=m.float64)", "x.to()", "x.to(float)",
    "x.to(int)", "x.to('cuda')", "x.to('cuda:0', m.float64)", "x.to('mps')", "x.to('foo')",
    "x.to(1)", "x.to(foo=1)", "x.to(m.float64, dtype=m.int64)", "x.to(m.float32, m.float64)",
    "x.to('cpu', 'cpu')", "x.to(dtype=m.float64, device='cuda')", "x.cpu()", "x.cuda()",
    "x.cuda(0)", "x.is_cuda", "x.is_cpu", "x.get_device()", "x.device",
]


@pytest.mark.parametrize("expr", TO_CALLS)
def test_tensor_to_matches_torch(torch, expr):
    ours = _outcome(lambda: eval(expr, {"m": ember, "x": ember.zeros(2)}))
    theirs = _outcome(lambda: eval(expr, {"m": torch, "x": torch.zeros(2)}))
    if same_kind(ours, theirs, expr):
        assert ours[1].replace("ember", "torch") == theirs[1]


def test_to_copies_only_when_asked_or_needed():
    x = ember.zeros(2)
    assert x.to("cpu") is x and x.to(x) is x and x.to(ember.float32) is x and x.cpu() is x
    assert x.to(ember.float32, copy=True) is not x
    assert x.to("cpu", non_blocking=True) is x


def test_non_cpu_errors_are_one_clear_line():
    for device in ("cuda", "cuda:1", "mps", "xpu"):
        with pytest.raises((AssertionError, RuntimeError)) as error:
            ember.zeros(2).to(device)
        message = str(error.value)
        assert "\n" not in message and "CPU only" in message and device.split(":")[0] in message


MODULE_CALLS = [
    "net.to('cpu')", "net.to(m.float64)", "net.to('cpu', m.float64)", "net.to(m.int64)",
    "net.to(m.zeros(1, dtype=m.float64))", "net.to(m.float64, non_blocking=True)",
    "net.to(dtype=m.float16)", "net.to()", "net.to('cuda')", "net.to(1)",
    "net.to(m.float64, m.float32)", "net.cuda()", "net.cuda(0)", "net.cpu()",
    "net.type(m.float64)", "net.bfloat16()", "net.double().float()",
]


@pytest.mark.parametrize("expr", MODULE_CALLS)
def test_module_to_matches_torch(torch, expr):
    def run(m):
        net = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.BatchNorm1d(2))
        out = eval(expr, {"m": m, "net": net})
        assert out is net
        return [str(t.dtype).split(".")[1] for t in net.state_dict().values()]

    ours, theirs = _outcome(lambda: run(ember)), _outcome(lambda: run(torch))
    if same_kind(ours, theirs, expr):
        assert ours == theirs, expr


FACTORY_CALLS = [
    "m.zeros(2, device=DEV)", "m.ones(2, device=DEV)", "m.empty(2, device=DEV)",
    "m.full((2,), 1.0, device=DEV)", "m.tensor([1.0], device=DEV)", "m.arange(3, device=DEV)",
    "m.linspace(0, 1, 3, device=DEV)", "m.eye(2, device=DEV)", "m.rand(2, device=DEV)",
    "m.randn(2, device=DEV)", "m.randint(0, 3, (2,), device=DEV)", "m.randperm(3, device=DEV)",
    "m.zeros_like(m.ones(2), device=DEV)", "m.rand_like(m.ones(2), device=DEV)",
    "m.as_tensor([1.0], device=DEV)", "m.nn.Linear(2, 2, device=DEV)",
    "m.nn.Conv2d(1, 1, 1, device=DEV)", "m.nn.BatchNorm1d(2, device=DEV)",
    "m.nn.LayerNorm(2, device=DEV)", "m.nn.Embedding(3, 2, device=DEV)",
    "m.ones(2).new_zeros(2, device=DEV)", "m.ones(2).new_tensor([1.0], device=DEV)",
    "m.ones(2).new_empty(2, device=DEV)",
]


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:0"])
@pytest.mark.parametrize("expr", FACTORY_CALLS)
def test_factories_take_device_as_torch(torch, expr, device):
    ours = _outcome(lambda: eval(expr, {"m": ember, "DEV": device}))
    theirs = _outcome(lambda: eval(expr, {"m": torch, "DEV": device}))
    same_kind(ours, theirs, expr)


CUDA_CALLS = [
    "is_available()", "device_count()", "is_initialized()", "manual_seed(1)",
    "manual_seed_all(1)", "seed()", "seed_all()", "empty_cache()", "memory_allocated()",
    "max_memory_allocated()", "memory_reserved()", "is_bf16_supported()", "get_arch_list()",
    "synchronize()", "current_device()", "get_device_name()", "get_device_properties(0)",
    "get_device_capability()", "initial_seed()", "get_rng_state()", "mem_get_info()", "init()",
]


@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_module_matches_a_cpu_only_torch(torch, call):
    ours = _outcome(lambda: eval(f"m.cuda.{call}", {"m": ember}))
    theirs = _outcome(lambda: eval(f"m.cuda.{call}", {"m": torch}))
    if same_kind(ours, theirs, call):
        assert ours == theirs


def test_backends_and_accelerator_match_torch(torch):
    for lib in (ember, torch):
        assert lib.backends.mps.is_available() is False and lib.backends.mps.is_built() is False
        assert lib.backends.cudnn.is_available() is False
        assert lib.accelerator.is_available() is False
        assert lib.accelerator.current_accelerator() is None
        assert lib.accelerator.device_count() == 0
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(ember.backends.cudnn, name) == getattr(torch.backends.cudnn, name)
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction"):
        assert getattr(ember.backends.cuda.matmul, name) == getattr(
            torch.backends.cuda.matmul, name)
    with pytest.raises(RuntimeError, match="accelerator"):
        ember.accelerator.current_device_index()


def test_backend_settings_can_be_set_and_read_back():
    cudnn, matmul = ember.backends.cudnn, ember.backends.cuda.matmul
    saved = (cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32)
    try:
        cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32 = True, True, True
        assert cudnn.benchmark and cudnn.deterministic and matmul.allow_tf32
        with pytest.raises(AttributeError, match="allow_tf33"):
            matmul.allow_tf33 = True  # a misspelt setting is an error, as in PyTorch
    finally:
        cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32 = saved


def test_the_common_device_idiom_runs():
    device = ember.device("cuda" if ember.cuda.is_available() else "cpu")
    net = ember.nn.Linear(3, 1).to(device)
    x = ember.tensor(np.ones((2, 3), dtype=np.float32)).to(device, non_blocking=True)
    assert net(x).device == device and not net(x).is_cuda


def test_device_flags_are_those_of_a_cpu_tensor(torch):
    flags = [name for name in dir(torch.zeros(1)) if name.startswith("is_")
             and not callable(getattr(torch.zeros(1), name)) and name != "is_leaf"]
    for name in flags:
        assert getattr(ember.zeros(1), name) == getattr(torch.zeros(1), name), name
