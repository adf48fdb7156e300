"""Every layer, activation and loss of ember.nn, exported with a dynamic batch: onnx's full
check passes, and ONNX Runtime matches ember (1e-5) at the traced and at another batch size.

LAYERS lists them; a layer added to ember.nn without an entry here fails
test_every_layer_is_exported, so new layers come with their export.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx_helpers import TOLERANCE, check_batched, export

import ember
from ember import nn


def floats(*shape):
    return lambda n: (ember.randn(n, *shape),)


def probabilities_and_targets(classes=4):
    return lambda n: (ember.rand(n, classes), ember.rand(n, classes))


def logits_and_classes(classes=4, extra=()):
    def make(n):
        target = ember.randint(0, classes, (n, *extra))
        target[0] = -100  # ignored
        return ember.randn(n, classes, *extra), target

    return make


def batch_norm(cls, channels, **options):
    layer = cls(channels, **options)
    layer.running_mean._data[:] = np.linspace(-1, 1, channels)
    layer.running_var._data[:] = np.linspace(0.5, 2, channels)
    layer.weight._data[:] = np.linspace(0.5, 1.5, channels)
    return layer


class ConvTransposeSized(nn.Module):
    """A transposed convolution asked for an output size (output_size=) in forward."""

    def __init__(self) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)

    def forward(self, x):
        return self.up(x, output_size=(6, 6))


def signs_and_scores(classes):
    """Scores and targets of -1 or 1."""
    return lambda n: (ember.randn(n, classes), ember.randint(0, 2, (n, classes)).float() * 2 - 1)


def sequence_first(steps, features):
    return lambda n: (ember.randn(steps, n, features),)


def attention_with_masks(n):
    """Query (4, n, 8), key (6, n, 5), value (6, n, 3), a key padding mask hiding the last two
    keys of the first sequence, and a causal mask, both additive (float)."""
    padding = ember.zeros(n, 6)
    padding[0, 4:] = float("-inf")
    causal = nn.Transformer.generate_square_subsequent_mask(6)[:4]
    return (ember.randn(4, n, 8), ember.randn(6, n, 5), ember.randn(6, n, 3), padding, True,
            causal)


class CausalEncoder(nn.Module):
    """Two encoder layers under a causal mask (a GPT's stack), with a final norm."""

    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8),
                                             enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x, mask=nn.Transformer.generate_square_subsequent_mask(x.shape[1]),
                            is_causal=True)


# (id, layer factory, make_args(batch)); inputs are float32 with the batch first, but for
# sequence-first ones (steps, batch, features)
LAYERS = [
    ("Linear", lambda: nn.Linear(6, 5), floats(6)),
    ("Linear-3d-nobias", lambda: nn.Linear(6, 5, bias=False), floats(3, 6)),
    ("Identity", lambda: nn.Identity(), floats(6)),
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3), floats(3, 7, 7)),
    ("Conv2d-stride-pad-dilation", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=2, dilation=2),
     floats(3, 9, 8)),
    ("Conv2d-groups-same", lambda: nn.Conv2d(4, 6, (3, 2), groups=2, padding="same"),
     floats(4, 6, 6)),
    ("Conv2d-reflect", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
     floats(2, 5, 6)),
    ("Conv2d-replicate", lambda: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="replicate"),
     floats(2, 5, 6)),
    ("Conv2d-circular", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"),
     floats(2, 5, 6)),
    ("Conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), floats(3, 9)),
    ("Conv1d-reflect-dilation", lambda: nn.Conv1d(2, 4, 2, dilation=2, padding=2,
                                                  padding_mode="reflect"), floats(2, 7)),
    ("Conv3d", lambda: nn.Conv3d(2, 3, (2, 3, 2), padding=(1, 0, 1), groups=1),
     floats(2, 4, 5, 4)),
    ("Conv3d-groups-same", lambda: nn.Conv3d(4, 4, 3, groups=2, padding="same"),
     floats(4, 4, 4, 4)),
    ("ConvTranspose1d", lambda: nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1,
                                                   output_padding=1), floats(3, 5)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), padding=1,
                                                   groups=2, dilation=(1, 2)), floats(4, 4, 5)),
    ("ConvTranspose2d-output-size", lambda: ConvTransposeSized(), floats(2, 3, 3)),
    ("ConvTranspose3d-no-bias", lambda: nn.ConvTranspose3d(2, 3, 2, stride=2, bias=False),
     floats(2, 2, 3, 2)),
    ("Unfold", lambda: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2),
     floats(3, 6, 7)),
    ("Fold", lambda: nn.Fold((5, 6), (2, 3), padding=1, stride=(1, 2)), floats(3 * 6, 18)),
    ("MaxPool1d", lambda: nn.MaxPool1d(3, 2, padding=1, ceil_mode=True), floats(3, 10)),
    ("AvgPool1d", lambda: nn.AvgPool1d(3, 2, padding=1, count_include_pad=False),
     floats(3, 10)),
    ("AdaptiveAvgPool1d", lambda: nn.AdaptiveAvgPool1d(4), floats(3, 10)),
    ("LPPool1d", lambda: nn.LPPool1d(2, 3, stride=2), floats(3, 10)),
    ("LPPool2d", lambda: nn.LPPool2d(1.5, 2), lambda n: (ember.rand(n, 3, 6, 6) + 0.1,)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), floats(3, 8, 8)),
    ("MaxPool2d-ceil-pad-dilation", lambda: nn.MaxPool2d(3, 2, padding=1, dilation=2,
                                                         ceil_mode=True), floats(2, 9, 10)),
    ("AvgPool2d", lambda: nn.AvgPool2d(2), floats(3, 8, 8)),
    ("AvgPool2d-ceil-no-pad-count", lambda: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True,
                                                         count_include_pad=False),
     floats(2, 8, 9)),
    ("AvgPool2d-divisor", lambda: nn.AvgPool2d(2, 1, divisor_override=3), floats(2, 5, 5)),
    ("AdaptiveAvgPool2d-even", lambda: nn.AdaptiveAvgPool2d(2), floats(3, 8, 6)),
    ("AdaptiveAvgPool2d-uneven", lambda: nn.AdaptiveAvgPool2d((3, 4)), floats(3, 7, 9)),
    ("BatchNorm3d", lambda: batch_norm(nn.BatchNorm3d, 3), floats(3, 2, 3, 2)),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4), floats(4, 3, 3)),
    ("GroupNorm-no-affine", lambda: nn.GroupNorm(3, 6, affine=False), floats(6, 5)),
    ("InstanceNorm1d", lambda: nn.InstanceNorm1d(3), floats(3, 6)),
    ("InstanceNorm2d-affine", lambda: nn.InstanceNorm2d(3, affine=True), floats(3, 4, 4)),
    ("InstanceNorm3d-running-stats", lambda: batch_norm(nn.InstanceNorm3d, 2, affine=True,
                                                        track_running_stats=True),
     floats(2, 3, 2, 3)),
    ("RMSNorm", lambda: nn.RMSNorm([3, 4]), floats(2, 3, 4)),
    ("RMSNorm-eps-no-affine", lambda: nn.RMSNorm(4, eps=1e-3, elementwise_affine=False),
     floats(4)),
    ("LocalResponseNorm", lambda: nn.LocalResponseNorm(3), floats(5, 3, 3)),
    ("Upsample-nearest", lambda: nn.Upsample(scale_factor=2), floats(2, 3, 4)),
    ("Upsample-bilinear-align", lambda: nn.Upsample(size=(5, 7), mode="bilinear",
                                                    align_corners=True), floats(2, 3, 4)),
    ("Upsample-bicubic", lambda: nn.Upsample(scale_factor=1.5, mode="bicubic"),
     floats(2, 4, 4)),
    ("Upsample-linear", lambda: nn.Upsample(scale_factor=2, mode="linear"), floats(2, 5)),
    ("Upsample-trilinear", lambda: nn.Upsample(size=(3, 4, 2), mode="trilinear"),
     floats(1, 2, 3, 3)),
    ("UpsamplingNearest2d", lambda: nn.UpsamplingNearest2d(size=(5, 3)), floats(2, 3, 2)),
    ("UpsamplingBilinear2d", lambda: nn.UpsamplingBilinear2d(scale_factor=2), floats(2, 3, 2)),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), floats(8, 2, 3)),
    ("PixelUnshuffle", lambda: nn.PixelUnshuffle(2), floats(2, 4, 6)),
    ("ChannelShuffle", lambda: nn.ChannelShuffle(2), floats(6, 2, 2)),
    ("ZeroPad1d", lambda: nn.ZeroPad1d((1, 2)), floats(2, 4)),
    ("ZeroPad2d", lambda: nn.ZeroPad2d((1, 0, 2, 1)), floats(2, 3, 4)),
    ("ZeroPad3d", lambda: nn.ZeroPad3d(1), floats(2, 2, 2, 3)),
    ("ConstantPad1d", lambda: nn.ConstantPad1d(2, 1.5), floats(2, 4)),
    ("ConstantPad2d", lambda: nn.ConstantPad2d((0, 1, 2, 0), -1.0), floats(2, 3, 4)),
    ("ConstantPad3d", lambda: nn.ConstantPad3d((1, 0, 0, 1, 1, 0), 2.0), floats(2, 2, 2, 3)),
    ("ReflectionPad1d", lambda: nn.ReflectionPad1d((2, 1)), floats(2, 4)),
    ("ReflectionPad2d", lambda: nn.ReflectionPad2d((1, 2, 2, 1)), floats(2, 3, 4)),
    ("ReflectionPad3d", lambda: nn.ReflectionPad3d(1), floats(2, 2, 3, 3)),
    ("ReplicationPad1d", lambda: nn.ReplicationPad1d((2, 1)), floats(2, 4)),
    ("ReplicationPad2d", lambda: nn.ReplicationPad2d((1, 2, 2, 1)), floats(2, 3, 4)),
    ("ReplicationPad3d", lambda: nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), floats(2, 2, 3, 3)),
    ("CircularPad1d", lambda: nn.CircularPad1d((2, 1)), floats(2, 4)),
    ("CircularPad2d", lambda: nn.CircularPad2d((1, 2, 2, 1)), floats(2, 3, 4)),
    ("CircularPad3d", lambda: nn.CircularPad3d(1), floats(2, 2, 3, 3)),
    ("Dropout1d", lambda: nn.Dropout1d(0.5), floats(3, 4)),
    ("Dropout2d", lambda: nn.Dropout2d(0.5), floats(3, 4, 4)),
    ("Dropout3d", lambda: nn.Dropout3d(0.5), floats(3, 2, 2, 2)),
    ("AlphaDropout", lambda: nn.AlphaDropout(0.5), floats(6)),
    ("FeatureAlphaDropout", lambda: nn.FeatureAlphaDropout(0.5), floats(3, 4, 4)),
    ("Bilinear", lambda: nn.Bilinear(3, 4, 5), lambda n: (ember.randn(n, 3), ember.randn(n, 4))),
    ("BatchNorm1d", lambda: batch_norm(nn.BatchNorm1d, 6), floats(6)),
    ("BatchNorm1d-3d", lambda: batch_norm(nn.BatchNorm1d, 4), floats(4, 5)),
    ("BatchNorm2d", lambda: batch_norm(nn.BatchNorm2d, 3), floats(3, 4, 4)),
    ("SyncBatchNorm", lambda: batch_norm(nn.SyncBatchNorm, 3), floats(3, 4, 4)),
    ("LayerNorm", lambda: nn.LayerNorm([4, 5]), floats(3, 4, 5)),
    ("LayerNorm-no-affine", lambda: nn.LayerNorm(6, elementwise_affine=False), floats(6)),
    ("Embedding", lambda: nn.Embedding(10, 4), lambda n: (ember.randint(0, 10, (n, 7)),)),
    ("Embedding-padding", lambda: nn.Embedding(10, 4, padding_idx=0),
     lambda n: (ember.randint(0, 10, (n,)),)),
    ("Dropout", lambda: nn.Dropout(0.5), floats(6)),
    ("Flatten", lambda: nn.Flatten(), floats(3, 4, 5)),
    ("Unflatten", lambda: nn.Unflatten(1, (2, 3)), floats(6)),
    ("ReLU", lambda: nn.ReLU(), floats(6)),
    ("ReLU-inplace", lambda: nn.ReLU(inplace=True), floats(6)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), floats(6)),
    ("GELU", lambda: nn.GELU(), floats(6)),
    ("GELU-tanh", lambda: nn.GELU("tanh"), floats(6)),
    ("SiLU", lambda: nn.SiLU(), floats(6)),
    ("Sigmoid", lambda: nn.Sigmoid(), floats(6)),
    ("Tanh", lambda: nn.Tanh(), floats(6)),
    ("Softmax", lambda: nn.Softmax(dim=1), floats(6)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1), floats(3, 6)),
    ("ELU", lambda: nn.ELU(0.7), floats(6)),
    ("SELU", lambda: nn.SELU(), floats(6)),
    ("CELU", lambda: nn.CELU(1.5), floats(6)),
    ("GLU", lambda: nn.GLU(1), floats(6, 2)),
    ("Hardtanh", lambda: nn.Hardtanh(-0.5, 0.8), floats(6)),
    ("ReLU6", lambda: nn.ReLU6(), lambda n: (ember.randn(n, 6) * 5,)),
    ("Hardswish", lambda: nn.Hardswish(), lambda n: (ember.randn(n, 6) * 4,)),
    ("Hardsigmoid", lambda: nn.Hardsigmoid(), lambda n: (ember.randn(n, 6) * 4,)),
    ("Hardshrink", lambda: nn.Hardshrink(0.3), floats(6)),
    ("Softshrink", lambda: nn.Softshrink(0.3), floats(6)),
    ("Threshold", lambda: nn.Threshold(0.1, -2.0), floats(6)),
    ("Softplus", lambda: nn.Softplus(2.0, 1.0), floats(6)),
    ("Mish", lambda: nn.Mish(), lambda n: (ember.randn(n, 6) * 10,)),
    ("LogSigmoid", lambda: nn.LogSigmoid(), lambda n: (ember.randn(n, 6) * 10,)),
    ("Softsign", lambda: nn.Softsign(), floats(6)),
    ("Tanhshrink", lambda: nn.Tanhshrink(), floats(6)),
    ("PReLU-channels", lambda: nn.PReLU(3), floats(3, 4)),
    ("PReLU", lambda: nn.PReLU(), floats(6)),
    ("Softmin", lambda: nn.Softmin(1), floats(6)),
    ("Softmax2d", lambda: nn.Softmax2d(), floats(3, 2, 2)),
    ("CosineSimilarity", lambda: nn.CosineSimilarity(), lambda n: (
        ember.randn(n, 6), ember.randn(n, 6))),
    ("PairwiseDistance", lambda: nn.PairwiseDistance(1.5), lambda n: (
        ember.randn(n, 6), ember.randn(n, 6))),
    ("SmoothL1Loss", lambda: nn.SmoothL1Loss(beta=0.5), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4))),
    ("HuberLoss-none", lambda: nn.HuberLoss(reduction="none", delta=0.5), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4))),
    ("KLDivLoss", lambda: nn.KLDivLoss(reduction="mean"), lambda n: (
        ember.randn(n, 4).log_softmax(1), ember.softmax(ember.randn(n, 4), 1))),
    ("KLDivLoss-log-target", lambda: nn.KLDivLoss(reduction="sum", log_target=True),
     lambda n: (ember.randn(n, 4).log_softmax(1), ember.randn(n, 4).log_softmax(1))),
    ("PoissonNLLLoss", lambda: nn.PoissonNLLLoss(full=True), lambda n: (
        ember.randn(n, 4), ember.rand(n, 4) * 3)),
    ("GaussianNLLLoss", lambda: nn.GaussianNLLLoss(full=True), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4), ember.rand(n, 4) + 0.1)),
    ("SoftMarginLoss", lambda: nn.SoftMarginLoss(), signs_and_scores(4)),
    ("MultiLabelSoftMarginLoss", lambda: nn.MultiLabelSoftMarginLoss(weight=ember.rand(4)),
     lambda n: (ember.randn(n, 4), ember.randint(0, 2, (n, 4)).float())),
    ("HingeEmbeddingLoss", lambda: nn.HingeEmbeddingLoss(0.5), signs_and_scores(4)),
    ("CosineEmbeddingLoss", lambda: nn.CosineEmbeddingLoss(0.1), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4), signs_and_scores(4)(n)[1][:, 0])),
    ("MarginRankingLoss", lambda: nn.MarginRankingLoss(0.2), lambda n: (
        ember.randn(n), ember.randn(n), signs_and_scores(4)(n)[1][:, 0])),
    ("TripletMarginLoss", lambda: nn.TripletMarginLoss(swap=True), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4), ember.randn(n, 4))),
    ("TripletMarginWithDistanceLoss", lambda: nn.TripletMarginWithDistanceLoss(
        distance_function=nn.CosineSimilarity()), lambda n: (
        ember.randn(n, 4), ember.randn(n, 4), ember.randn(n, 4))),
    ("LSTM", lambda: nn.LSTM(3, 5), sequence_first(4, 3)),
    ("LSTM-2-layers-bidirectional-states", lambda: nn.LSTM(3, 5, 2, bidirectional=True),
     lambda n: (ember.randn(4, n, 3), (ember.randn(4, n, 5), ember.randn(4, n, 5)))),
    ("LSTM-projection-unrolled", lambda: nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True),
     sequence_first(4, 3)),
    ("GRU-batch-first-bidirectional", lambda: nn.GRU(3, 5, 2, batch_first=True,
                                                     bidirectional=True), floats(4, 3)),
    ("RNN-relu", lambda: nn.RNN(3, 5, nonlinearity="relu"), sequence_first(4, 3)),
    ("RNN-tanh-no-bias-state", lambda: nn.RNN(3, 5, bias=False),
     lambda n: (ember.randn(4, n, 3), ember.randn(1, n, 5))),
    ("LSTMCell", lambda: nn.LSTMCell(3, 5), floats(3)),
    ("GRUCell-state", lambda: nn.GRUCell(3, 5), lambda n: (ember.randn(n, 3), ember.randn(n, 5))),
    ("RNNCell", lambda: nn.RNNCell(3, 5, nonlinearity="relu"), floats(3)),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(8, 2, batch_first=True),
     lambda n: (ember.randn(n, 4, 8), ember.randn(n, 6, 8), ember.randn(n, 6, 8))),
    ("MultiheadAttention-kdim-bias-kv-mask", lambda: nn.MultiheadAttention(
        8, 2, add_bias_kv=True, add_zero_attn=True, kdim=5, vdim=3), attention_with_masks),
    ("NonDynamicallyQuantizableLinear", lambda: nn.modules.linear.NonDynamicallyQuantizableLinear(
        6, 5), floats(6)),
    ("TransformerEncoderLayer", lambda: nn.TransformerEncoderLayer(8, 2, 16),
     sequence_first(5, 8)),
    ("TransformerEncoderLayer-norm-first-gelu", lambda: nn.TransformerEncoderLayer(
        8, 2, 16, activation="gelu", batch_first=True, norm_first=True), floats(5, 8)),
    ("TransformerEncoder-causal", lambda: CausalEncoder(), floats(5, 8)),
    ("TransformerDecoderLayer", lambda: nn.TransformerDecoderLayer(8, 2, 16, batch_first=True),
     lambda n: (ember.randn(n, 5, 8), ember.randn(n, 3, 8))),
    ("TransformerDecoder", lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16),
                                                         2, norm=nn.LayerNorm(8)),
     lambda n: (ember.randn(5, n, 8), ember.randn(3, n, 8))),
    ("Transformer", lambda: nn.Transformer(8, 2, 1, 1, 16, batch_first=True),
     lambda n: (ember.randn(n, 5, 8), ember.randn(n, 3, 8))),
    ("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(), logits_and_classes()),
    ("CrossEntropyLoss-weight-smoothing-sum", lambda: nn.CrossEntropyLoss(
        weight=ember.rand(4), label_smoothing=0.1, reduction="sum"), logits_and_classes()),
    ("CrossEntropyLoss-2d-none", lambda: nn.CrossEntropyLoss(reduction="none"),
     logits_and_classes(3, (4, 2))),
    ("CrossEntropyLoss-probabilities", lambda: nn.CrossEntropyLoss(label_smoothing=0.2),
     lambda n: (ember.randn(n, 4), ember.softmax(ember.randn(n, 4), 1))),
    ("NLLLoss", lambda: nn.NLLLoss(weight=ember.rand(4)),
     lambda n: (ember.randn(n, 4).log_softmax(1), logits_and_classes()(n)[1])),
    ("MSELoss", lambda: nn.MSELoss(), probabilities_and_targets()),
    ("L1Loss-sum", lambda: nn.L1Loss(reduction="sum"), probabilities_and_targets()),
    ("BCELoss", lambda: nn.BCELoss(weight=ember.rand(4)), probabilities_and_targets()),
    ("BCEWithLogitsLoss", lambda: nn.BCEWithLogitsLoss(pos_weight=ember.rand(4) + 0.5),
     probabilities_and_targets()),
]
# Not layers of their own: containers (exported through the models that use them).
CONTAINERS = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
              "ParameterDict", "RNNBase", "RNNCellBase"}  # and the recurrent bases: no forward
REDUCING = ("Loss",)  # losses reduce the batch: their output has no batch dim


# Layers that read their inputs as arrays outside the traced primitives (class targets as
# masks, RReLU's slopes), so a graph cannot reproduce them: export names the op that reads them.
NOT_EXPORTABLE = [
    ("MultiMarginLoss", lambda: nn.MultiMarginLoss(), lambda: (
        ember.randn(3, 4), ember.tensor([0, 2, 3]))),
    ("MultiLabelMarginLoss", lambda: nn.MultiLabelMarginLoss(), lambda: (
        ember.randn(3, 4), ember.tensor([[0, 2, -1, 0], [1, -1, 0, 0], [3, 2, 1, 0]]))),
    ("CTCLoss", lambda: nn.CTCLoss(), lambda: (
        ember.randn(5, 2, 4).log_softmax(2), ember.tensor([[1, 2], [3, 1]]), ember.tensor([5, 4]),
        ember.tensor([2, 1]))),
    ("RReLU", lambda: nn.RReLU(), lambda: (ember.randn(3, 4),)),
    ("AdaptiveMaxPool1d", lambda: nn.AdaptiveMaxPool1d(3), lambda: (ember.randn(2, 3, 7),)),
    ("AdaptiveMaxPool2d", lambda: nn.AdaptiveMaxPool2d(2), lambda: (ember.randn(2, 3, 5, 5),)),
    ("MaxUnpool2d", lambda: nn.MaxUnpool2d(2), lambda: (
        ember.randn(1, 2, 2, 2), ember.tensor([[[[0, 3], [9, 14]], [[1, 6], [8, 15]]]]))),
]


@pytest.mark.parametrize(("factory", "make_args"), [case[1:] for case in NOT_EXPORTABLE],
                         ids=[case[0] for case in NOT_EXPORTABLE])
def test_layers_whose_inputs_leave_the_trace_are_refused(factory, make_args):
    with pytest.raises(ember.onnx.OnnxExporterError,
                       match=r"\(op #\d+, at .*computed outside the traced primitives"):
        ember.onnx.export(factory(), make_args())


@pytest.mark.parametrize(("factory", "make_args"), [case[1:] for case in LAYERS],
                         ids=[case[0] for case in LAYERS])
def test_layer_exports_and_matches_onnx_runtime(factory, make_args):
    layer = factory()
    name = type(layer).__name__
    reduced = name.endswith(REDUCING) and getattr(layer, "reduction", "mean") != "none"
    if reduced:  # a scalar: only the inputs' batch dims are dynamic
        args = make_args(2)
        names = [f"x{i}" for i in range(len(args))]
        proto = export(layer, args, input_names=names,
                       dynamic_axes={n: {0: "batch"} for n in names})
        ember.onnx.verify(proto, layer, args, **TOLERANCE)
        ember.onnx.verify(proto, layer, make_args(5), **TOLERANCE)
    else:
        check_batched(layer, make_args)


def test_every_layer_is_exported():
    exported = {case[1]().__class__.__name__ for case in LAYERS + NOT_EXPORTABLE}
    exported.add("TransformerEncoder")
    layers = {name for name in nn.modules.__all__ if isinstance(getattr(nn, name), type)}
    missing = sorted(layers - exported - CONTAINERS)
    assert missing == [], f"layers of ember.nn without an export test here: {missing}"
