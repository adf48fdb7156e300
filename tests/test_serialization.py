"""ember.save / ember.load: exact round trips, PyTorch interop through safetensors, clear errors on
bad files and bad objects. Atomicity (SIGKILL mid-save) is in test_serialization_crash.py."""

from __future__ import annotations

import hashlib
import io
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
    w = ember.ones(2, 3)
    path = tmp_path / "w.safetensors"
    ember.save({"w": w}, path)
    first = ember.load(path)["w"]
    assert not first.requires_grad and first.grad_fn is None
    first += 1  # optimizers update tensors in place
    assert_same(ember.load(path)["w"], ember.ones(2, 3))


def test_requires_grad_and_parameters_come_back_as_in_pytorch(tmp_path, torch):
    def make(lib):
        base = lib.ones(2)
        return {"plain": base.clone(), "grad": lib.ones(2, requires_grad=True),
                "nonleaf": lib.ones(2, requires_grad=True) * 2,
                "param": lib.nn.Parameter(base.clone()),
                "frozen": lib.nn.Parameter(base.clone(), requires_grad=False)}

    torch_path = tmp_path / "t.pt"
    torch.save(make(torch), torch_path)
    want = torch.load(torch_path)
    got = round_trip(make(ember), tmp_path)
    for name, value in want.items():
        assert type(got[name]).__name__ == type(value).__name__, name
        assert got[name].requires_grad == value.requires_grad, name
        assert got[name].is_leaf and value.is_leaf, name
        np.testing.assert_array_equal(got[name].detach().numpy(), value.detach().numpy())


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


def test_load_accepts_pytorchs_arguments(tmp_path):
    path = tmp_path / "x.safetensors"
    ember.save({"x": ember.tensor([1, 2])}, path)
    for kwargs in ({"map_location": "cpu"}, {"map_location": None}, {"weights_only": False},
                   {"weights_only": True, "mmap": True}, {"map_location": ember.device("cpu")},
                   {"map_location": {"cuda:0": "cpu"}}, {"encoding": "latin1"},
                   {"map_location": lambda storage, location: storage}):
        assert_same(ember.load(str(path), **kwargs), {"x": ember.tensor([1, 2])})


def test_map_location_function_gets_each_tensor_and_cpu(tmp_path):
    path = tmp_path / "x.safetensors"
    ember.save({"a": ember.tensor([1.0]), "b": [ember.tensor([2.0])]}, path)
    seen = []
    loaded = ember.load(path, map_location=lambda t, loc: seen.append((t.tolist(), loc)) or t * 10)
    assert sorted(seen) == [([1.0], "cpu"), ([2.0], "cpu")]
    assert loaded["a"].tolist() == [10.0] and loaded["b"][0].tolist() == [20.0]


@pytest.mark.parametrize("location", ["cuda", "cuda:0", "mps", {"cpu": "cuda:1"}])
def test_other_devices_are_a_runtime_error_as_in_pytorch(tmp_path, torch, location):
    path = tmp_path / "x.safetensors"
    ember.save({"x": ember.tensor([1, 2])}, path)
    with pytest.raises(RuntimeError, match="ember runs on the CPU only"):
        ember.load(path, map_location=location)
    torch_path = tmp_path / "x.pt"
    torch.save({"x": torch.tensor([1, 2])}, torch_path)
    if not torch.cuda.is_available() and "mps" not in str(location):
        with pytest.raises(RuntimeError):
            torch.load(torch_path, map_location=location)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ember.load(tmp_path / "nope.safetensors")


# ---- file objects -------------------------------------------------------------------------------


def test_bytesio_holds_a_safetensors_file(tmp_path):
    ckpt = training_checkpoint()
    buffer = io.BytesIO()
    ember.save(ckpt, buffer)
    (tmp_path / "c.safetensors").write_bytes(buffer.getvalue())
    assert_same(ember.load(tmp_path / "c.safetensors"), ckpt)  # the same format as for a path
    buffer.seek(0)
    assert_same(ember.load(buffer), ckpt)


def test_open_binary_files_work_both_ways(tmp_path):
    obj = {"w": ember.arange(6.0).reshape(2, 3), "note": "x"}
    with open(tmp_path / "w.safetensors", "wb") as f:
        ember.save(obj, f)
    with open(tmp_path / "w.safetensors", "rb") as f:
        assert_same(ember.load(f), obj)
    assert_same(ember.load(tmp_path / "w.safetensors"), obj)


def test_objects_saved_one_after_another_load_in_turn(tmp_path):
    buffer = io.BytesIO(b"prefix")
    buffer.seek(0, io.SEEK_END)
    ember.save({"a": ember.tensor([1.0])}, buffer)
    ember.save([ember.tensor(2), "b"], buffer)
    buffer.seek(len(b"prefix"))
    assert_same(ember.load(buffer), {"a": ember.tensor([1.0])})
    assert_same(ember.load(buffer), [ember.tensor(2), "b"])
    assert buffer.read() == b""


def test_damaged_streams_are_reported(tmp_path):
    buffer = io.BytesIO()
    ember.save({"w": ember.ones(100)}, buffer)
    cases = ((buffer.getvalue()[:-10], "truncated \\(header says 400 bytes .* file has 390\\)"),
             (b"", "file is empty"), (pickle.dumps(list(range(9))), "Python pickle"))
    for data, message in cases:
        with pytest.raises(CheckpointError, match=f"cannot load the BytesIO object: .*{message}"):
            ember.load(io.BytesIO(data))


def test_bad_file_objects_fail_as_in_pytorch(tmp_path, torch):
    for lib in (torch, ember):
        with open(tmp_path / "text", "w") as f, pytest.raises(TypeError):
            lib.save({"x": lib.ones(1)}, f)
        with pytest.raises(AttributeError):
            lib.save({"x": lib.ones(1)}, 3)
        with pytest.raises(AttributeError):
            lib.load(3)
    with open(tmp_path / "text", "w") as f, pytest.raises(TypeError, match="binary mode"):
        ember.save({}, f)


# ---- what an object may hold --------------------------------------------------------------------


def test_numpy_arrays_and_scalars_come_back_as_numpy(tmp_path, torch):
    obj = {"images": np.arange(12, dtype=np.uint8).reshape(3, 4),
           "mask": np.array([True, False]), "strided": np.arange(10.0)[::3],
           "scalar": np.float64(0.25), "count": np.int64(7), "empty": np.zeros((0, 2))}
    got = round_trip(obj, tmp_path)
    torch_path = tmp_path / "t.pt"
    torch.save(obj, torch_path)
    want = torch.load(torch_path, weights_only=False)  # PyTorch needs to unpickle NumPy
    for name, value in want.items():
        assert type(got[name]) is type(value), name
        assert got[name].dtype == value.dtype and np.shape(got[name]) == np.shape(value), name
        np.testing.assert_array_equal(got[name], value)
    got["images"][0, 0] = 99  # a writable array of its own


def test_nested_plain_data_comes_back_as_torch_load_gives_it(tmp_path, torch):
    def make(lib):
        return {"epoch": 3, "losses": [0.5, 0.25], "best": (0.125, "epoch-2"), "done": False,
                "note": None, 0: {"nested": [lib.arange(3), (lib.ones(2, 2), True)]}}

    torch_path = tmp_path / "t.pt"
    torch.save(make(torch), torch_path)
    want = torch.load(torch_path)
    got = round_trip(make(ember), tmp_path)

    def compare(g, w, where):
        if isinstance(w, torch.Tensor):
            assert isinstance(g, ember.Tensor), where
            np.testing.assert_array_equal(g.numpy(), w.numpy())
            assert str(g.dtype) == str(w.dtype).replace("torch", "ember"), where
            return
        assert type(g) is type(w), where
        if isinstance(w, dict):
            assert list(g) == list(w), where
            for k in w:
                compare(g[k], w[k], f"{where}[{k!r}]")
        elif isinstance(w, (list, tuple)):
            assert len(g) == len(w), where
            for i, (gi, wi) in enumerate(zip(g, w)):
                compare(gi, wi, f"{where}[{i}]")
        else:
            assert g == w, where

    compare(got, want, "obj")


# ---- bad objects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"optimizer": {"state": {0: {1, 2}}}}, "type set at 'optimizer.state.0'"),
        ([1, object()], "type object at '1'"),
        ({"w": np.ones(2, dtype=np.uint32)}, "NumPy array of dtype uint32 at 'w'"),
        ({"w": np.array(["a"], dtype=object)}, "NumPy array of dtype object at 'w'"),
        ({"acc": np.uint64(5)}, "NumPy scalar of dtype uint64 at 'acc'"),
        ({"m": {(1, 2): 3}}, "dict keys must be str or int, found key \\(1, 2\\) .* at 'm'"),
        ({1.5: 3}, "found key 1.5 of type float at the top level"),
    ],
)
def test_save_rejects_what_it_cannot_store(tmp_path, obj, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=f"ember.save: .*{message}"):
        ember.save(obj, path)
    assert os.listdir(tmp_path) == []


def test_saving_a_module_or_optimizer_asks_for_its_state_dict(tmp_path):
    model = ember.nn.Linear(2, 2)
    optimizer = ember.optim.SGD(model.parameters(), lr=0.1)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, 1)
    for obj, what, where in ((model, "an nn.Module \\(Linear\\)", "the top level"),
                             ({"opt": optimizer}, "an optimizer \\(SGD\\)", "'opt'"),
                             ([scheduler], "an LR scheduler \\(StepLR\\)", "'0'")):
        with pytest.raises(TypeError, match=f"found {what} at {where}; .*save its state_dict"):
            ember.save(obj, tmp_path / "m.safetensors")
        with pytest.raises(TypeError, match="state_dict"):
            ember.save(obj, io.BytesIO())
    assert os.listdir(tmp_path) == []


def test_save_rejects_self_containing_objects(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="contains itself at 'a.0'"):
        ember.save(loop, tmp_path / "x.safetensors")


# ---- PyTorch's safe globals ---------------------------------------------------------------------


def test_safe_globals_are_accepted_as_pytorch_accepts_them(torch):
    import torch.serialization as ts

    import ember.serialization as es

    class Custom:
        pass

    for lib in (ts, es):
        lib.clear_safe_globals()
        own = set(lib.get_safe_globals())  # PyTorch lists some of its own classes
        lib.add_safe_globals([Custom, (np.dtype, "numpy.dtype"), Custom])
        with lib.safe_globals([np.ndarray]):
            inside = set(lib.get_safe_globals()) - own
        outside = set(lib.get_safe_globals()) - own
        with pytest.raises(TypeError):
            lib.add_safe_globals(Custom)  # a list is needed
        lib.clear_safe_globals()
        assert inside == {Custom, (np.dtype, "numpy.dtype"), np.ndarray}
        assert outside == {Custom, (np.dtype, "numpy.dtype")}
        assert set(lib.get_safe_globals()) == own


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
        "float8": (raw_safetensors({"x": entry("F8_E4M3", [2], 2)}, bytes(2)),
                   "x' has dtype F8_E4M3"),
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


# ---- checksums --------------------------------------------------------------------------------


def header_of(data: bytes) -> dict:
    return json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])


def test_each_tensor_carries_the_sha256_of_its_bytes(tmp_path):
    path = tmp_path / "c.safetensors"
    ember.save(training_checkpoint(), path)
    sums = json.loads(header_of(path.read_bytes())["__metadata__"]["ember"])["sha256"]
    arrays = load_file(path)
    assert set(sums) == set(arrays)
    for name, array in arrays.items():
        assert sums[name] == hashlib.sha256(array.tobytes()).hexdigest(), name


def flip_bit(data: bytes, tensor: str, byte: int) -> bytes:
    header_len = int.from_bytes(data[:8], "little")
    begin = header_of(data)[tensor]["data_offsets"][0]
    at = 8 + header_len + begin + byte
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1 :]


def test_a_flipped_bit_is_reported_naming_the_tensor(tmp_path):
    path = tmp_path / "c.safetensors"
    ember.save(training_checkpoint(), path)
    path.write_bytes(flip_bit(path.read_bytes(), "model.2.weight", 5))
    with pytest.raises(CheckpointError, match="tensor 'model.2.weight' is damaged: .*SHA-256"):
        ember.load(path)
    with pytest.raises(CheckpointError, match="'model.2.weight' is damaged"):
        ember.load(io.BytesIO(path.read_bytes()))


def test_files_without_checksums_still_load(tmp_path):
    path = tmp_path / "old.safetensors"
    tree = {"version": 1, "tree": {"dict": [["w", {"tensor": "w"}], ["n", 3]]}}
    save_file({"w": np.arange(3, dtype=np.float32)}, path, metadata={"ember": json.dumps(tree)})
    assert_same(ember.load(path), {"w": ember.tensor([0.0, 1.0, 2.0]), "n": 3})


def test_checksums_that_do_not_match_the_tensors_are_corrupt_metadata(tmp_path):
    tree = {"version": 1, "tree": {"tensor": "w"}, "sha256": {"v": "0" * 64}}
    path = tmp_path / "bad.safetensors"
    save_file({"w": np.ones(2, np.float32)}, path, metadata={"ember": json.dumps(tree)})
    with pytest.raises(CheckpointError, match="metadata is corrupt .*checksums"):
        ember.load(path)


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


def test_bfloat16_tensors_go_both_ways_with_pytorch(tmp_path, torch):
    pytest.importorskip("ml_dtypes")
    import safetensors.torch as st_torch

    values = [1.5, -2.0, 3.140625, 1e-3]
    st_torch.save_file({"w": torch.tensor(values, dtype=torch.bfloat16)}, tmp_path / "t.st")
    loaded = ember.load(tmp_path / "t.st")["w"]
    assert loaded.dtype == ember.bfloat16
    np.testing.assert_array_equal(loaded.float().numpy(), torch.tensor(
        values, dtype=torch.bfloat16).float().numpy())
    ember.save({"w": loaded, "g": ember.ones(2, dtype=ember.bfloat16, requires_grad=True)},
               tmp_path / "e.st")
    back = st_torch.load_file(tmp_path / "e.st")
    assert back["w"].dtype == torch.bfloat16 and back["w"].float().tolist() == loaded.tolist()
    again = ember.load(tmp_path / "e.st")
    assert again["g"].dtype == ember.bfloat16 and again["g"].requires_grad


def test_bfloat16_without_ml_dtypes_says_what_to_install(tmp_path, monkeypatch):
    import ember.serialization as serialization

    class WithoutMlDtypes:
        def __getattr__(self, name):
            raise ModuleNotFoundError("ember.bfloat16 needs the ml_dtypes package")

    path = tmp_path / "bf16.safetensors"
    path.write_bytes(raw_safetensors({"x": entry("BF16", [2], 4)}, bytes(4)))
    monkeypatch.setattr(serialization, "dtypes", WithoutMlDtypes())
    with pytest.raises(CheckpointError, match="tensor 'x' has dtype BF16; ember.bfloat16 needs "
                                              "the ml_dtypes package"):
        ember.load(path)


def test_torch_save_files_are_refused_not_unpickled(tmp_path, torch):
    path = tmp_path / "model.pt"
    torch.save(torch_mlp(torch).state_dict(), path)
    with pytest.raises(CheckpointError, match="zip archive.*safetensors.torch.save_file"):
        ember.load(path)
