"""interpolate / Upsample, pixel (un)shuffle, channel shuffle, F.pad's modes and the padding
layers against torch: values, gradients, second derivatives, reprs and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def Fm(m):
    return m.nn.functional


# (id, fn(m, *tensors), [(shape, domain)]): gradcheck, gradgradcheck and torch parity of the
# first and second derivatives (tests/test_op_coverage.py reads this table).
GRADCHECK_CASES = [
    ("nearest_1d", lambda m, x: Fm(m).interpolate(x, scale_factor=1.7), [((2, 2, 3), "real")]),
    ("nearest_2d_size", lambda m, x: Fm(m).interpolate(x, size=(5, 2)), [((1, 2, 3, 4), "real")]),
    ("nearest_exact_3d", lambda m, x: Fm(m).interpolate(x, size=(3, 2, 4), mode="nearest-exact"),
     [((1, 1, 2, 3, 3), "real")]),
    ("linear", lambda m, x: Fm(m).interpolate(x, scale_factor=2.5, mode="linear"),
     [((2, 2, 3), "real")]),
    ("bilinear_align_corners",
     lambda m, x: Fm(m).interpolate(x, size=(4, 5), mode="bilinear", align_corners=True),
     [((1, 2, 3, 3), "real")]),
    ("bilinear_down", lambda m, x: Fm(m).interpolate(x, scale_factor=0.6, mode="bilinear"),
     [((1, 1, 5, 4), "real")]),
    ("bicubic", lambda m, x: Fm(m).interpolate(x, scale_factor=(1.5, 2), mode="bicubic"),
     [((1, 2, 3, 3), "real")]),
    ("trilinear", lambda m, x: Fm(m).interpolate(x, size=(3, 2, 3), mode="trilinear"),
     [((1, 1, 2, 3, 2), "real")]),
    ("area", lambda m, x: Fm(m).interpolate(x, size=(2, 3), mode="area"),
     [((1, 2, 5, 4), "real")]),
    ("pad_reflect_2d", lambda m, x: Fm(m).pad(x, (2, 1, 1, 2), mode="reflect"),
     [((1, 2, 3, 4), "real")]),
    ("pad_replicate_1d", lambda m, x: Fm(m).pad(x, (3, 1), mode="replicate"),
     [((2, 3), "real")]),
    ("pad_circular_3d", lambda m, x: Fm(m).pad(x, (1, 2, 0, 1, 2, 1), mode="circular"),
     [((1, 1, 2, 2, 3), "real")]),
    ("pad_constant_negative", lambda m, x: Fm(m).pad(x, (-1, 2, 1, -2), value=0.5),
     [((2, 4, 4), "real")]),
    ("pixel_shuffle", lambda m, x: Fm(m).pixel_shuffle(x, 2), [((1, 8, 2, 3), "real")]),
    ("pixel_unshuffle", lambda m, x: Fm(m).pixel_unshuffle(x, 2), [((2, 1, 2, 4), "real")]),
    ("channel_shuffle", lambda m, x: Fm(m).channel_shuffle(x, 2), [((1, 6, 2), "real")]),
]
IDS = [c[0] for c in GRADCHECK_CASES]


def make_arrays(inputs, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape, _ in inputs]


@pytest.mark.parametrize("name, fn, inputs", GRADCHECK_CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, inputs):
    leaves = [ember.tensor(a, requires_grad=True) for a in make_arrays(inputs, seed=1)]
    assert gradcheck(lambda *xs: fn(ember, *xs), leaves)
    assert gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


@pytest.mark.parametrize("name, fn, inputs", GRADCHECK_CASES, ids=IDS)
def test_first_and_second_derivatives_match_torch(torch, name, fn, inputs):
    arrays = make_arrays(inputs, seed=2)
    results = []
    for m in (ember, torch):
        x = m.tensor(arrays[0].copy(), requires_grad=True)
        out = fn(m, x)
        up = m.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)),
                      requires_grad=True)
        g, = m.autograd.grad((out * up).sum(), x, create_graph=True)
        gg = m.autograd.grad((g * g).sum(), [x, up], allow_unused=True)
        results.append([out.detach().numpy(), g.detach().numpy()]
                       + [np.zeros(tuple(leaf.shape)) if t is None else t.numpy()
                          for leaf, t in zip([x, up], gg)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ---- interpolate: the index and weight rules over many sizes and scales -----------------------

SIZES_1D = [(n, m) for n in (1, 2, 3, 5, 7, 13) for m in (1, 2, 3, 4, 6, 9, 14, 26)]
SCALES = [0.3, 0.5, 2 / 3, 1.0, 1.3, 1.5, 2.0, 7 / 3, 3.3]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None),
                                                 ("linear", False), ("linear", True),
                                                 ("area", None)])
def test_interpolate_1d_matches_torch_over_sizes_and_scales(torch, dtype, mode, align_corners):
    calls = [dict(size=m) for _, m in SIZES_1D[:8]] + \
        [dict(scale_factor=s, recompute_scale_factor=r) for s in SCALES for r in (None, True)]
    tol = 1e-5 if dtype == "float32" else 1e-13  # float32: sums in another order (area)
    for n in (1, 2, 3, 5, 7, 13, 28):
        x = RNG.standard_normal((2, 2, n)).astype(dtype)
        for kw in calls:
            try:
                expected = Fm(torch).interpolate(torch.tensor(x), mode=mode,
                                                 align_corners=align_corners, **kw).numpy()
            except RuntimeError:  # an output size of 0: ember must refuse it too
                with pytest.raises(RuntimeError, match="greater than 0"):
                    F.interpolate(ember.tensor(x), mode=mode, align_corners=align_corners, **kw)
                continue
            got = F.interpolate(ember.tensor(x), mode=mode, align_corners=align_corners,
                                **kw).numpy()
            assert got.shape == expected.shape and got.dtype == expected.dtype, (n, kw)
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=f"{n} {kw}")


def _torch_gradient_is_wrong(mode: str, align_corners, x_shape, out_shape, kw) -> bool:
    """torch's backward of bicubic and of 1-d / 3-d nearest copies the gradient along dims
    whose size does not change, though its forward applied the scale factor there: not the
    forward's adjoint (torch's own gradcheck fails)."""
    dims = len(x_shape) - 2
    return ("scale_factor" in kw and not kw.get("recompute_scale_factor") and not align_corners
            and (mode == "bicubic" or mode == "nearest" and dims != 2)
            and any(a == b for a, b in zip(x_shape[2:], out_shape[2:])))


def _check_interpolate(parity, x: np.ndarray, mode: str, align_corners, kw, rtol, atol) -> None:
    torch = parity.torch
    try:
        expected = Fm(torch).interpolate(torch.tensor(x), mode=mode, align_corners=align_corners,
                                         **kw)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            F.interpolate(ember.tensor(x), mode=mode, align_corners=align_corners, **kw)
        return
    if _torch_gradient_is_wrong(mode, align_corners, x.shape, expected.shape, kw):
        np.testing.assert_allclose(F.interpolate(ember.tensor(x), mode=mode, **kw).numpy(),
                                   expected.numpy(), rtol=rtol, atol=atol)
        xe = ember.tensor(x[:1, :1].astype(np.float64), requires_grad=True)
        assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kw), [xe])
        return
    parity.check(lambda t: F.interpolate(t, mode=mode, align_corners=align_corners, **kw),
                 lambda t: Fm(torch).interpolate(t, mode=mode, align_corners=align_corners, **kw),
                 x, rtol=rtol, atol=atol)


@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None),
                                                 ("bilinear", False), ("bilinear", True),
                                                 ("bicubic", False), ("bicubic", True),
                                                 ("area", None)])
@pytest.mark.parametrize("shape", [(3, 2), (5, 7), (1, 4)])
def test_interpolate_2d_matches_torch(parity, mode, align_corners, shape):
    x = RNG.standard_normal((2, 3, *shape)).astype(np.float32)
    for kw in [dict(size=(4, 9)), dict(scale_factor=1.3), dict(scale_factor=(2, 0.5)),
               dict(scale_factor=(1.3, 2.2), recompute_scale_factor=True)]:
        _check_interpolate(parity, x, mode, align_corners, kw, rtol=1e-5, atol=5e-6)


@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("trilinear", False),
                                                 ("trilinear", True), ("area", None),
                                                 ("nearest-exact", None)])
def test_interpolate_3d_matches_torch(parity, mode, align_corners):
    x = RNG.standard_normal((1, 2, 3, 4, 5))
    for kw in [dict(size=(4, 2, 7)), dict(scale_factor=(1.5, 0.5, 2)), dict(scale_factor=1.3)]:
        _check_interpolate(parity, x, mode, align_corners, kw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode, node", [("nearest", "UpsampleNearest2DBackward0"),
                                        ("bilinear", "UpsampleBilinear2DBackward0"),
                                        ("bicubic", "UpsampleBicubic2DBackward0")])
def test_interpolate_grad_fn_names_are_torchs(torch, mode, node):
    for m in (ember, torch):
        out = Fm(m).interpolate(m.ones(1, 1, 2, 2, requires_grad=True), scale_factor=3,
                                mode=mode)
        assert out.grad_fn.name() == node


def test_interpolate_errors_match_torch(torch):
    x = np.zeros((1, 2, 4, 4), dtype=np.float32)
    cases = [dict(), dict(size=3, scale_factor=2), dict(size=(2, 2, 2)),
             dict(scale_factor=(2, 2, 2)), dict(size=4, mode="linear"),
             dict(size=4, mode="trilinear"), dict(size=4, align_corners=True),
             dict(size=4, mode="area", align_corners=False), dict(size=0),
             dict(size=4, recompute_scale_factor=True), dict(size=4, mode="cubic")]
    for kw in cases:
        with pytest.raises(Exception) as theirs:
            Fm(torch).interpolate(torch.tensor(x), **kw)
        with pytest.raises(type(theirs.value)):
            F.interpolate(ember.tensor(x), **kw)
    with pytest.raises(NotImplementedError, match="Only 3D, 4D and 5D"):
        F.interpolate(ember.zeros(2, 4), size=3)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(ember.zeros(1, 2, 4), size=3, mode="bilinear")


def test_upsample_layers_match_torch(parity):
    torch = parity.torch
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(3, 7), mode="bilinear"),
              torch.nn.Upsample(size=(3, 7), mode="bilinear")),
             (nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
              torch.nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True)),
             (nn.UpsamplingNearest2d(size=6), torch.nn.UpsamplingNearest2d(size=6)),
             (nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(
                 scale_factor=2))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and theirs.state_dict() == {}
        parity.check_module(ours, theirs, x)


def test_deprecated_upsample_functions_warn_and_match(torch):
    x = RNG.standard_normal((1, 2, 3, 3)).astype(np.float32)
    for name, kw in [("upsample", dict(scale_factor=2, mode="bilinear")),
                     ("upsample_nearest", dict(size=5)), ("upsample_bilinear", dict(size=5))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(Fm(torch), name)(torch.tensor(x), **kw).numpy()
        with pytest.warns(UserWarning, match="deprecated"):
            got = getattr(F, name)(ember.tensor(x), **kw).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_maps_are_sparse_gathers_and_their_transposes():
    """Nearest is one gather per dim (one np.take, no weights); bilinear two weighted taps per
    output position; each map's transpose is the transposed matrix."""
    x = ember.randn(2, 3, 4, 4, requires_grad=True)
    out = F.interpolate(x, scale_factor=2)
    maps = out.grad_fn.maps
    assert all(m.weight is None and m.index.shape == (1, 8) for m in maps)
    linear = F.interpolate(x, size=(7, 3), mode="bicubic").grad_fn.maps
    assert [m.index.shape for m in linear] == [(4, 7), (4, 3)]
    for m in (*maps, *linear, F.interpolate(x, size=(3, 2), mode="area").grad_fn.maps[0]):
        np.testing.assert_allclose(m.T.dense(), m.dense().T, rtol=1e-6)
        np.testing.assert_allclose(m.T.T.dense(), m.dense(), rtol=1e-6)
    np.testing.assert_array_equal(out.detach().numpy(),
                                  x.detach().numpy().repeat(2, axis=2).repeat(2, axis=3))


# ---- pixel shuffle and channel shuffle ----------------------------------------------------------

@pytest.mark.parametrize("shape, r", [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((2, 1, 4, 2, 3), 2)])
def test_pixel_shuffle_and_unshuffle_match_torch(parity, shape, r):
    torch = parity.torch
    ours, theirs = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal(shape).astype(np.float32)
    y = parity.check_module(ours, theirs, x)
    back, back_torch = nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(back) == repr(back_torch)
    parity.check_module(back, back_torch, y.detach().numpy())
    np.testing.assert_array_equal(back(y).detach().numpy(), x)


def test_shuffle_errors_match_torch(torch):
    for fn, args in [("pixel_shuffle", ((1, 7, 2, 2), 2)), ("pixel_shuffle", ((4, 2), 2)),
                     ("pixel_unshuffle", ((1, 1, 3, 4), 2)),
                     ("channel_shuffle", ((1, 5, 2), 2)), ("channel_shuffle", ((1, 4, 2), 0))]:
        shape, factor = args
        with pytest.raises(RuntimeError):
            getattr(Fm(torch), fn)(torch.zeros(shape), factor)
        with pytest.raises(RuntimeError):
            getattr(F, fn)(ember.zeros(shape), factor)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(ember.zeros(1, 7, 2, 2), 2)


@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 2), 3), ((1, 4, 5), 2), ((2, 4, 1, 2, 2), 4)])
def test_channel_shuffle_matches_torch(parity, shape, groups):
    torch = parity.torch
    ours, theirs = nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal(shape).astype(np.float32)
    parity.check_module(ours, theirs, x)
    np.testing.assert_array_equal(F.channel_shuffle(ember.tensor(x), groups).numpy(),
                                  Fm(torch).channel_shuffle(torch.tensor(x), groups).numpy())


# ---- F.pad and the padding layers ----------------------------------------------------------------

PAD_CASES = [((2, 5), (2, 3)), ((3, 4), (0, 3)), ((2, 3, 5), (1, 2)), ((2, 3, 4), (2, 1, 3, 0)),
             ((1, 2, 4, 5), (3, 1, 2, 2)), ((2, 3, 3), (1, 0, 2, 1, 1, 1)),
             ((1, 2, 3, 3, 4), (1, 2, 0, 2, 2, 1)), ((1, 2, 4, 5), (-1, 2, 1, -2))]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pads", PAD_CASES)
def test_pad_modes_match_torch(parity, mode, shape, pads):
    torch = parity.torch
    x = RNG.standard_normal(shape).astype(np.float32)
    try:
        Fm(torch).pad(torch.tensor(x), pads, mode=mode)
    except (RuntimeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            F.pad(ember.tensor(x), pads, mode=mode)
        return
    # values exactly; gradients up to the order of float32 sums where borders fold back
    parity.check(lambda t: F.pad(t, pads, mode=mode), lambda t: Fm(torch).pad(t, pads, mode=mode),
                 x, rtol=1e-6, atol=1e-6)


def test_pad_values_dtypes_and_errors_match_torch(torch):
    x = RNG.standard_normal((1, 2, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(F.pad(ember.tensor(x), (1, 1, 2, 0), value=-2.5).numpy(),
                                  Fm(torch).pad(torch.tensor(x), (1, 1, 2, 0), value=-2.5).numpy())
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(F.pad(ember.tensor(ints), (1, 1), value=7).numpy(),
                                  Fm(torch).pad(torch.tensor(ints), (1, 1), value=7).numpy())
    bad = [((1,), "constant", None), ((1, 1) * 5, "constant", None),
           ((3, 3), "reflect", None), ((4, 0), "circular", None),
           ((1, 1), "reflect", 2.0), ((1, 1, 1, 1, 1, 1, 1, 1), "reflect", None),
           ((1, 1), "wrap", None), ((-3, -1), "constant", None)]
    for pads, mode, value in bad:
        with pytest.raises(Exception) as theirs:
            Fm(torch).pad(torch.tensor(x), pads, mode=mode, value=value)
        with pytest.raises(type(theirs.value)):
            F.pad(ember.tensor(x), pads, mode=mode, value=value)


def _padding_layers(torch):
    for kind in ("Zero", "Reflection", "Replication", "Circular"):
        for d in (1, 2, 3):
            name = f"{kind}Pad{d}d"
            for padding in (1, tuple(range(1, 2 * d + 1))):
                yield name, getattr(nn, name)(padding), getattr(torch.nn, name)(padding), d
    for d in (1, 2, 3):
        name = f"ConstantPad{d}d"
        yield name, getattr(nn, name)(2, 1.5), getattr(torch.nn, name)(2, 1.5), d


def test_padding_layers_match_torch(parity):
    torch = parity.torch
    for name, ours, theirs, d in _padding_layers(torch):
        assert repr(ours) == repr(theirs), name
        assert ours.padding == theirs.padding
        assert type(ours).__module__ == "ember.nn.modules.padding"
        for batched in (True, False):
            shape = (2,) * batched + (2,) + (7,) * d
            parity.check_module(ours, theirs, RNG.standard_normal(shape).astype(np.float32),
                                rtol=1e-5, atol=1e-5)
