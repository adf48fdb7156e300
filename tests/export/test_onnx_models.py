"""Whole models exported with a dynamic batch: the digit recognizer's MLP and CNN, a ResNet
block (batch norm, a skip connection, in-place ReLUs), an LSTM language model (also with a
dynamic number of steps) and a Transformer encoder language model; a small CNN with the ops whose
ONNX form depends on the opset at every opset from 17 to the newest the installed onnx knows.
onnx's full check passes and ONNX Runtime matches ember."""

from __future__ import annotations

import math

import numpy as np
import pytest
from onnx_helpers import TOLERANCE, check_batched, export, onnx

import ember
from ember import nn
from ember.models import CNN, MLP

NEWEST = onnx.defs.onnx_opset_version()


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block, with a strided 1x1 projection on the skip path."""

    def __init__(self, channels: int, out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Sequential(nn.Conv2d(channels, out, 1, stride=stride, bias=False),
                                        nn.BatchNorm2d(out))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.downsample(x)
        return self.relu(out)


def trained_statistics(model: nn.Module) -> nn.Module:
    """Running statistics as after training (a few training-mode passes), then eval mode."""
    model.train()
    with ember.no_grad():
        for _ in range(3):
            model(ember.randn(4, 3, 8, 8) * 2 + 1)
    return model.eval()


class OpsetSampler(nn.Module):
    """The CNN's kinds of layers, small, and the ops whose ONNX form depends on the opset:
    reductions (axes an input from 18), GELU (an operator from 20), layer norm."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(36, 10))
        self.norm = nn.LayerNorm(10)
        self.gelu = nn.GELU()

    def forward(self, x):
        y = self.gelu(self.norm(self.cnn(x)))
        return y - y.mean(1, keepdim=True) + y.amax(1, keepdim=True) + y.logsumexp(1, True)


@pytest.mark.parametrize("opset", range(17, NEWEST + 1))
def test_every_opset(opset):
    proto = check_batched(OpsetSampler(), lambda n: (ember.randn(n, 1, 8, 8),),
                          opset_version=opset)
    assert proto.opset_import[0].version == opset


def test_cnn():
    check_batched(CNN(), lambda n: (ember.randn(n, 1, 28, 28),))


def test_mlp_in_training_mode_exports_as_inference():
    model = MLP().train()
    check_batched(model, lambda n: (ember.randn(n, 1, 28, 28),))
    assert model.training  # the mode is given back


def test_resnet_block():
    model = trained_statistics(BasicBlock(3, 6, stride=2))
    proto = check_batched(model, lambda n: (ember.randn(n, 3, 8, 8),))
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Conv") == 3 and "BatchNormalization" not in ops  # folded into Mul/Add


class LanguageModel(nn.Module):
    """pytorch/examples' word-level language model: embedding, a 2-layer LSTM, a decoder tied
    to the embedding's weights; tokens (steps, batch), the zero state made in forward."""

    def __init__(self, tokens: int = 20, size: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Embedding(tokens, size)
        self.rnn = nn.LSTM(size, size, 2, dropout=0.2)
        self.drop = nn.Dropout(0.2)
        self.decoder = nn.Linear(size, tokens)
        self.decoder.weight = self.encoder.weight

    def forward(self, tokens):
        batch = tokens.shape[1]
        state = (ember.zeros(2, batch, 8), ember.zeros(2, batch, 8))
        output, (h, c) = self.rnn(self.drop(self.encoder(tokens)), state)
        return self.decoder(self.drop(output)).log_softmax(-1), h, c


class TransformerLM(nn.Module):
    """pytorch/examples' Transformer language model (a GPT's shape): embedding scaled, plus
    sinusoidal positions from a buffer, a causal encoder, a decoder; batch first."""

    def __init__(self, tokens: int = 20, size: int = 8, longest: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(tokens, size)
        position = np.arange(longest)[:, None] / 10000 ** (np.arange(0, size, 2) / size)
        pe = np.zeros((longest, size), np.float32)
        pe[:, 0::2], pe[:, 1::2] = np.sin(position), np.cos(position)
        self.register_buffer("pe", ember.tensor(pe))
        layer = nn.TransformerEncoderLayer(size, 2, 16, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.decoder = nn.Linear(size, tokens)

    def forward(self, tokens):
        steps = tokens.shape[1]
        x = self.embed(tokens) * math.sqrt(8) + self.pe[:steps]
        mask = nn.Transformer.generate_square_subsequent_mask(steps)
        return self.decoder(self.encoder(x, mask=mask, is_causal=True))


def test_lstm_language_model():
    proto = check_batched(LanguageModel(), lambda n: (ember.randint(0, 20, (6, n)),))
    assert [n.op_type for n in proto.graph.node].count("LSTM") == 2


def test_transformer_encoder_language_model():
    check_batched(TransformerLM(), lambda n: (ember.randint(0, 20, (n, 6)),))


def test_lstm_language_model_with_dynamic_steps_and_batch():
    model = LanguageModel()
    proto = export(model, ember.randint(0, 20, (6, 2)), input_names=["tokens"],
                   output_names=["log_probs", "h", "c"],
                   dynamic_axes={"tokens": {0: "steps", 1: "batch"},
                                 "log_probs": {0: "steps", 1: "batch"}})
    for steps, batch in ((6, 2), (3, 5), (9, 1)):
        ember.onnx.verify(proto, model, ember.randint(0, 20, (steps, batch)), **TOLERANCE)
