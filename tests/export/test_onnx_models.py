"""Whole models exported with a dynamic batch: the digit recognizer's MLP and CNN, and a ResNet
block (batch norm, a skip connection, in-place ReLUs); a small CNN with the ops whose ONNX form
depends on the opset at every opset from 17 to the newest the installed onnx knows. onnx's full
check passes and ONNX Runtime matches ember."""

from __future__ import annotations

import pytest
from onnx_helpers import check_batched, onnx

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
