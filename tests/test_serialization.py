"""ember.save / ember.load: exact round trips, PyTorch interop through safetensors, clear errors on
bad files and bad objects. Atomicity (SIGKILL mid-save) is in test_serialization_crash.py."""

from __future__ import annotations

import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import ember
from ember.serialization import CheckpointError


def assert_same(got, want, where="obj"):
    """Equal values AND equal types, recursively; tensors compared bit for bit (NaNs included)."""
    if isinstance(want, ember.Tensor):
        assert isinstance(got, ember.Tensor), f"{where}: {type(got).__name__} is not a Tensor"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        assert tuple(got.shape) == tuple(want.shape), f"{where}: shape {got.shape} != {want.shape}"
        got, want = got.detach().numpy(), want.detach().numpy()
        assert got.tobytes() == want.tobytes(), f"{where}: values differ"
        return
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert [(type(k), k) for k in got] == [(type(k), k) for k in want], f"{where}: keys"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), f"{where}: {got} is not nan"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def round_trip(obj, tmp_path, name="ckpt.safetensors"):
    path = tmp_path / name
    ember.save(obj, path)
    return ember.load(path)


def training_checkpoint():
    """Shaped like what a PyTorch training script saves: model, optimizer, scheduler, epoch, rng."""
    rng = np.random.default_rng(0)
    model = {
        "0.weight": ember.from_numpy(rng.standard_normal((8, 4)).astype(np.float32)),
        "0.bias": ember.from_numpy(rng.standard_normal(8).astype(np.float32)),
        "2.weight": ember.from_numpy(rng.standard_normal((3, 8)).astype(np.float32)),
        "2.bias": ember.from_numpy(rng.standard_normal(3).astype(np.float32)),
    }
    state = {
        i: {
            "step": ember.tensor(7.0),
            "exp_avg": ember.from_numpy(rng.standard_normal(p.shape).astype(np.float32)),
            "exp_avg_sq": ember.from_numpy(rng.random(p.shape).astype(np.float32)),
        }
        for i, p in enumerate(model.values())
    }
    group = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
             "amsgrad": False, "maximize": False, "foreach": None, "params": [0, 1, 2, 3]}
    return {
        "model": model,
        "optimizer": {"state": state, "param_groups": [group]},
        "scheduler": {"step_size": 10, "gamma": 0.1, "last_epoch": 3, "_last_lr": [1e-3]},
        "epoch": 3,
        "best_loss": float("inf"),
        "nan_seen": float("nan"),
        "big_int": 2**70,
        "note": "déjà vu ✓",
        "rng_state": ember.get_rng_state(),
    }


# ---- round trips ----------------------------------------------------------------------------


def test_checkpoint_round_trips_exactly(tmp_path):
    ckpt = training_checkpoint()
    loaded = round_trip(ckpt, tmp_path)
    assert_same(loaded, ckpt)
    # the PyTorch shapes of what comes back: int state keys, betas a tuple, params a list
    assert list(loaded["optimizer"]["state"]) == [0, 1, 2, 3]
    assert type(loaded["optimizer"]["param_groups"][0]["betas"]) is tuple
    assert loaded["rng_state"].dtype == ember.uint8


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
)
def test_every_dtype_round_trips(tmp_path, dtype):
    np_dtype = np.dtype(dtype)
    if np_dtype.kind == "f":
        info = np.finfo(np_dtype)
        values = np.array([0.0, -0.0, 1.5, info.max, info.min, info.tiny, np.inf, -np.inf, np.nan])
    elif np_dtype.kind == "b":
        values = np.array([True, False, True])
    else:
        info = np.iinfo(np_dtype)
        values = np.array([0, 1, info.max, info.min])
    t = ember.from_numpy(values.astype(np_dtype).reshape(1, -1))
    loaded = round_trip({"t": t}, tmp_path)["t"]
    assert loaded.dtype == getattr(ember, dtype)
    assert_same(loaded, t)


def test_zero_dim_and_empty_tensors_round_trip(tmp_path):
    obj = {"scalar": ember.tensor(2.5), "int_scalar": ember.tensor(7), "empty": ember.zeros(0, 3)}
    loaded = round_trip(obj, tmp_path)
    assert_same(loaded, obj)
    assert loaded["scalar"].shape == () and loaded["empty"].shape == (0, 3)


def test_non_contiguous_tensors_are_saved_with_their_values(tmp_path):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    obj = {"transposed": ember.from_numpy(base).T, "strided": ember.from_numpy(base[::2, 1::2])}
    assert not obj["transposed"].detach().numpy().flags.c_contiguous
    loaded = round_trip(obj, tmp_path)
    np.testing.assert_array_equal(loaded["transposed"].numpy(), base.T)
    np.testing.assert_array_equal(loaded["strided"].numpy(), base[::2, 1::2])


def test_a_lone_tensor_round_trips(tmp_path):
    t = ember.arange(5)
    assert_same(round_trip(t, tmp_path), t)


def test_containers_come_back_as_plain_dicts_lists_and_tuples(tmp_path):
    Pair = namedtuple("Pair", "a b")
    obj = OrderedDict(z=1, a=[Pair(1, 2), (), []], m={})
    loaded = round_trip(obj, tmp_path)
    assert_same(loaded, {"z": 1, "a": [(1, 2), (), []], "m": {}})


def test_loaded_tensors_are_fresh_writable_leaves(tmp_path):
    w = ember.ones(2, 3, requires_grad=True)
    path = tmp_path / "w.safetensors"
    ember.save({"w": w}, path)
    first = ember.load(path)["w"]
    assert not first.requires_grad and first.grad_fn is None
    first.data += 1  # optimizers update .data in place
    assert_same(ember.load(path)["w"], ember.ones(2, 3))


# ---- file layout: the tensor names PyTorch sees ---------------------------------------------


def test_flat_state_dict_is_stored_under_its_own_keys(tmp_path):
    ckpt = training_checkpoint()
    path = tmp_path / "model.safetensors"
    ember.save(ckpt["model"], path)
    arrays = load_file(path)
    assert sorted(arrays) == sorted(ckpt["model"])
    for name, t in ckpt["model"].items():
        np.testing.assert_array_equal(arrays[name], t.numpy())


def test_nested_tensors_get_dotted_names(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    ember.save(training_checkpoint(), path)
    names = set(load_file(path))
    assert {"model.0.weight", "optimizer.state.0.exp_avg", "rng_state"} <= names


def test_colliding_paths_stay_apart(tmp_path):
    obj = {"a.b": ember.tensor([1.0]), "a": {"b": ember.tensor([2.0])}}
    obj["__metadata__"] = ember.tensor(3)  # the header's own key
    path = tmp_path / "collide.safetensors"
    ember.save(obj, path)
    assert len(load_file(path)) == 3
    assert_same(ember.load(path), obj)


def test_foreign_safetensors_file_loads_as_flat_dict(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"b": np.arange(3, dtype=np.int32), "a": np.ones((2, 2), np.float16)}, path)
    loaded = ember.load(path)
    assert sorted(loaded) == ["a", "b"]
    assert_same(loaded["b"], ember.tensor([0, 1, 2], dtype=ember.int32))
    assert_same(loaded["a"], ember.ones(2, 2, dtype=ember.float16))


# ---- load arguments ---------------------------------------------------------------------------


def test_load_accepts_cpu_map_location_and_weights_only(tmp_path):
    path = tmp_path / "x.safetensors"
    ember.save({"x": ember.tensor([1, 2])}, path)
    for kwargs in ({"map_location": "cpu"}, {"map_location": None}, {"weights_only": False}):
        assert_same(ember.load(str(path), **kwargs), {"x": ember.tensor([1, 2])})
    with pytest.raises(ValueError, match="map_location='cuda'"):
        ember.load(path, map_location="cuda")


def test_file_objects_are_rejected(tmp_path):
    with open(tmp_path / "x", "wb") as f, pytest.raises(TypeError, match="file path"):
        ember.save({}, f)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ember.load(tmp_path / "nope.safetensors")


# ---- bad objects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"optimizer": {"state": {0: {1, 2}}}}, "type set at 'optimizer.state.0'"),
        ([1, object()], "type object at '1'"),
        ({"w": np.ones(2)}, "type ndarray at 'w' \\(wrap NumPy arrays with ember.from_numpy\\)"),
        ({"acc": np.float64(0.5)}, "type float64 at 'acc' \\(convert NumPy scalars"),
        ({"m": {(1, 2): 3}}, "dict keys must be str or int, found key \\(1, 2\\) .* at 'm'"),
        ({1.5: 3}, "found key 1.5 of type float at the top level"),
    ],
)
def test_save_rejects_what_it_cannot_store(tmp_path, obj, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=f"ember.save: .*{message}"):
        ember.save(obj, path)
    assert os.listdir(tmp_path) == []


def test_save_rejects_self_containing_objects(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="contains itself at 'a.0'"):
        ember.save(loop, tmp_path / "x.safetensors")


# ---- bad files --------------------------------------------------------------------------------


def raw_safetensors(header: dict, data: bytes) -> bytes:
    blob = json.dumps(header).encode()
    return len(blob).to_bytes(8, "little") + blob + data


def entry(dtype: str, shape: list, nbytes: int) -> dict:
    return {"dtype": dtype, "shape": shape, "data_offsets": [0, nbytes]}


def valid_file_bytes(tmp_path) -> bytes:
    path = tmp_path / "valid.safetensors"
    ember.save({"w": ember.arange(6, dtype=ember.float32), "n": 3}, path)
    return path.read_bytes()


class RunsCode:
    """Unpickling this would create the file `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def corrupt_files(tmp_path):
    good = valid_file_bytes(tmp_path)
    header_len = int.from_bytes(good[:8], "little")
    zip_path = tmp_path / "zip.pt"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(RunsCode(tmp_path / "pwned")))
    tree = json.dumps({"version": 1, "tree": {"dict": [["w", {"tensor": "w"}]]}})
    arrays = {"w": np.arange(6, dtype=np.float32)}

    def tampered(tree_text):
        path = tmp_path / "tampered.safetensors"
        save_file(arrays, path, metadata={"ember": tree_text})
        return path.read_bytes()

    return {
        "empty": (b"", "file is empty"),
        "random bytes": (np.random.default_rng(1).bytes(4096), "not a safetensors file"),
        "pickle": (pickle.dumps(RunsCode(tmp_path / "pwned")), "Python pickle.*never unpickles"),
        "torch zip": (zip_path.read_bytes(), "zip archive.*never unpickles"),
        "length only": (good[:8], "truncated .*JSON header should be"),
        "header cut": (good[: 8 + header_len // 2], "truncated .*JSON header should be"),
        "data cut": (good[:-5], "truncated \\(header says 24 bytes of tensor data, file has 19\\)"),
        "trailing bytes": (good + b"junk", "4 unexpected bytes after"),
        "header not json": (good[:8] + b"{" * header_len + good[8 + header_len :], "JSON header"),
        "bfloat16": (raw_safetensors({"x": entry("BF16", [2], 4)}, bytes(4)), "x' has dtype BF16"),
        "malformed entry": (raw_safetensors({"x": {"dtype": "F32"}}, b""), "entry of tensor 'x'"),
        "bad offsets": (raw_safetensors({"x": entry("F32", [3], 4)}, bytes(4)), "not a valid"),
        "metadata not json": (tampered(tree[:-3]), "ember metadata is corrupt"),
        "missing tensor": (tampered(tree.replace('"tensor": "w"', '"tensor": "v"')),
                           "tensor 'v' is missing"),
        "unreferenced tensor": (tampered(tree.replace('{"tensor": "w"}', "1")), "not in the tree"),
        "unknown node": (tampered(tree.replace('"dict"', '"set"')), "unexpected node"),
        "newer version": (tampered(tree.replace('"version": 1', '"version": 2')), "version 2"),
    }


def test_load_explains_every_bad_file(tmp_path):
    for label, (content, message) in corrupt_files(tmp_path).items():
        path = tmp_path / f"{label}.safetensors"
        path.write_bytes(content)
        with pytest.raises(CheckpointError, match=message) as info:
            ember.load(path)
        assert str(info.value).startswith(f"cannot load {str(path)!r}: "), label
        # no chained safetensors/json traceback
        assert info.value.__context__ is None or info.value.__suppress_context__, label
    assert not (tmp_path / "pwned").exists()  # nothing was ever unpickled


# ---- PyTorch interop ----------------------------------------------------------------------------


def torch_mlp(torch):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def test_pytorch_loads_an_ember_state_dict(tmp_path, torch):
    import safetensors.torch as st_torch
    state = training_checkpoint()["model"]
    path = tmp_path / "model.safetensors"
    ember.save(state, path)
    model = torch_mlp(torch)
    model.load_state_dict(st_torch.load_file(path))  # strict: the names must match exactly
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[name].numpy())
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    w0, b0, w2, b2 = (state[k].numpy() for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    expected = np.maximum(x @ w0.T + b0, 0) @ w2.T + b2
    np.testing.assert_allclose(model(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5)


def test_ember_loads_a_pytorch_state_dict(tmp_path, torch):
    import safetensors.torch as st_torch
    model = torch_mlp(torch)
    path = tmp_path / "torch.safetensors"
    st_torch.save_file(model.state_dict(), path)
    loaded = ember.load(path)
    assert sorted(loaded) == sorted(model.state_dict())
    for name, value in model.state_dict().items():
        assert loaded[name].dtype == ember.float32
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())


def test_optimizer_state_comes_back_shaped_like_pytorchs(tmp_path, torch):
    model = torch_mlp(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.ones(2, 4)).sum().backward()
    opt.step()
    torch_state = opt.state_dict()

    def to_ember(obj):
        if isinstance(obj, torch.Tensor):
            return ember.from_numpy(obj.numpy().copy())
        if isinstance(obj, dict):
            return {k: to_ember(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(to_ember(v) for v in obj)
        return obj

    loaded = round_trip(to_ember(torch_state), tmp_path)
    path = tmp_path / "torch_state.pt"
    torch.save(torch_state, path)
    assert_same(loaded, to_ember(torch.load(path, weights_only=True)))


def test_torch_save_files_are_refused_not_unpickled(tmp_path, torch):
    path = tmp_path / "model.pt"
    torch.save(torch_mlp(torch).state_dict(), path)
    with pytest.raises(CheckpointError, match="zip archive.*safetensors.torch.save_file"):
        ember.load(path)
