"""The Transformer family against torch: layers, stacks and the full model, with masks,
norm_first, activations given as strings, functions or modules, batch_first; state dicts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn

pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")]
RNG = np.random.default_rng(0)
D, HEADS, FF = 8, 2, 12


def activation(m, kind):
    return {"relu": "relu", "gelu": "gelu", "fn": m.nn.functional.gelu,
            "module": m.nn.GELU(approximate="tanh"), "lambda": lambda x: x.tanh()}[kind]


def build(m, cls: str, dtype, **config):
    kind = config.pop("activation", "relu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # enable_nested_tensor notes
        if cls == "Transformer":
            module = m.nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0,
                                      activation=activation(m, kind), **config)
        elif cls.endswith("Layer"):
            module = getattr(m.nn, cls)(D, HEADS, FF, dropout=0.0,
                                        activation=activation(m, kind), **config)
        else:
            layer = getattr(m.nn, cls + "Layer")(D, HEADS, FF, dropout=0.0,
                                             activation=activation(m, kind), **config)
            module = getattr(m.nn, cls)(layer, 2, norm=m.nn.LayerNorm(D))
    return module.double() if dtype == np.float64 else module


def pair(torch, cls, dtype=np.float32, **config):
    ours, theirs = build(ember, cls, dtype, **dict(config)), build(torch, cls, dtype, **config)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours_state.items()] == [
        (k, tuple(v.shape)) for k, v in theirs_state.items()]
    ours.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in theirs_state.items()})
    return ours, theirs


def sequences(batch_first, dtype, *lengths, batch=2):
    return [RNG.standard_normal((batch, n, D) if batch_first else (n, batch, D)).astype(dtype)
            for n in lengths]


CONFIGS = [dict(), dict(norm_first=True, activation="gelu", batch_first=True),
           dict(activation="fn"), dict(activation="module", batch_first=True),
           dict(activation="lambda", bias=False)]


def config_id(config):
    return ",".join(f"{k}={v}" for k, v in config.items()) or "default"


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerEncoder"])
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_encoders_match_torch(parity, cls, config):
    torch = parity.torch
    ours, theirs = pair(torch, cls, **config)
    src, = sequences(config.get("batch_first"), np.float32, 5)
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    mask_name = "src_mask" if cls.endswith("Layer") else "mask"

    def run(m, module):
        def call(src):
            mask = m.nn.Transformer.generate_square_subsequent_mask(5)
            out = module(src, **{mask_name: mask}, src_key_padding_mask=m.tensor(padding))
            plain = module(src)
            return m.cat([out.reshape(-1), plain.reshape(-1)])
        return call

    parity.check(run(ember, ours), run(torch, theirs), src, ember_params=list(ours.parameters()),
                 torch_params=list(theirs.parameters()), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", ["TransformerDecoderLayer", "TransformerDecoder"])
@pytest.mark.parametrize("config", CONFIGS[:3], ids=config_id)
def test_decoders_match_torch(parity, cls, config):
    torch = parity.torch
    ours, theirs = pair(torch, cls, **config)
    tgt, memory = sequences(config.get("batch_first"), np.float32, 4, 5)
    memory_padding = np.zeros((2, 5), bool)
    memory_padding[0, 4:] = True

    def run(m, module):
        def call(tgt, memory):
            mask = m.nn.Transformer.generate_square_subsequent_mask(4)
            return module(tgt, memory, tgt_mask=mask,
                          memory_key_padding_mask=m.tensor(memory_padding),
                          memory_mask=m.zeros(4, 5))
        return call

    parity.check(run(ember, ours), run(torch, theirs), tgt, memory,
                 ember_params=list(ours.parameters()), torch_params=list(theirs.parameters()),
                 rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_transformer_matches_torch(parity, dtype, mode):
    torch = parity.torch
    ours, theirs = pair(torch, "Transformer", dtype, batch_first=True)
    getattr(ours, mode)(), getattr(theirs, mode)()
    src, tgt = sequences(True, dtype, 5, 4)
    padding = np.zeros((2, 5), bool)
    padding[1, 2:] = True

    def run(m, module):
        def call(src, tgt):
            mask = m.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(
                m, np.dtype(dtype).name))
            return module(src, tgt, tgt_mask=mask, src_key_padding_mask=m.tensor(padding),
                          memory_key_padding_mask=m.tensor(padding), tgt_is_causal=True)
        return call

    tol = dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    parity.check(run(ember, ours), run(torch, theirs), src, tgt,
                 ember_params=list(ours.parameters()), torch_params=list(theirs.parameters()),
                 **tol)


def test_encoder_inference_zeroes_padding_as_torch(torch):
    """In inference torch runs the encoder on nested tensors and pads with zeros."""
    ours, theirs = pair(torch, "TransformerEncoder", batch_first=True)
    ours.eval(), theirs.eval()
    src, = sequences(True, np.float32, 5)
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    with torch.no_grad(), ember.no_grad():
        out = ours(ember.tensor(src), src_key_padding_mask=ember.tensor(padding))
        expected = theirs(torch.tensor(src), src_key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    bias = ours.norm.bias.detach().numpy()
    np.testing.assert_allclose(out.numpy()[1, 3:], np.broadcast_to(bias, (2, D)), atol=1e-6)


def test_square_subsequent_mask_and_repr_match_torch(torch):
    ours = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == ember.float64
    ours, theirs = pair(torch, "TransformerDecoder")
    assert repr(ours) == repr(theirs)


def test_transformer_init_and_errors(torch):
    model = nn.Transformer(D, HEADS, 1, 1, FF)
    weight = model.encoder.layers[0].linear1.weight.detach().numpy()  # xavier uniform
    assert np.abs(weight).max() <= np.sqrt(6 / (D + FF)) and weight.std() > 0.3 * np.sqrt(
        2 / (D + FF))
    assert model.encoder.layers[0].linear1.weight is not model.encoder.layers[0].linear2.weight
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.zeros(3, 2, D), ember.zeros(3, 1, D))
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but "
                                         "self.use_nested_tensor is False because"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS), 1)
