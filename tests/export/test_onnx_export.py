"""ember.onnx.export's interface (torch.onnx.export's), its options, and its errors: each bad
input gets one clear error, and no half-written file is left under the target name."""

from __future__ import annotations

import inspect
import io

import numpy as np
import pytest
from onnx_helpers import TOLERANCE, export, onnx

import ember
import ember.onnx
from ember import nn
from ember.autograd import Function
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ember.onnx import OnnxExporterError, TrainingMode, UnsupportedOperatorError


class Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.calls = 0

    def forward(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)

    def forward(self, x, shift=None, scale: float = 1.0):
        out = self.bn(self.fc(x)) * scale
        return out if shift is None else out + shift


def test_signature_is_pytorchs(torch):
    ours = inspect.signature(ember.onnx.export).parameters
    theirs = inspect.signature(torch.onnx.export).parameters
    assert list(ours)[:3] == list(theirs)[:3] == ["model", "args", "f"]
    for name in ("kwargs", "verbose", "input_names", "output_names", "opset_version", "dynamo",
                 "export_params", "keep_initializers_as_inputs", "dynamic_axes", "training",
                 "do_constant_folding"):
        assert name in theirs and name in ours, name
        assert ours[name].kind == theirs[name].kind == inspect.Parameter.KEYWORD_ONLY
    assert [m.name for m in ember.onnx.TrainingMode] == list(torch.onnx.TrainingMode.__members__)
    assert issubclass(ember.onnx.OnnxExporterError, RuntimeError)


def test_names_keywords_and_scalars():
    model = Net().eval()
    x, shift = ember.randn(2, 4), ember.randn(3)
    proto = export(model, (x, {"shift": shift, "scale": 2.0}))
    assert [i.name for i in proto.graph.input] == ["x", "shift"]  # forward's names
    assert [o.name for o in proto.graph.output] == ["output"]
    ember.onnx.verify(proto, model, (x, {"shift": shift, "scale": 2.0}), **TOLERANCE)
    proto = export(model, (x,), kwargs={"scale": 3.0}, input_names=["features"],
                   output_names=["scores"])
    assert [i.name for i in proto.graph.input] == ["features"]
    ember.onnx.verify(proto, model, (x,), kwargs={"scale": 3.0}, **TOLERANCE)


def test_the_same_tensor_twice_gets_both_names():
    model = nn.Module()
    model.forward = lambda query, key: query @ key.mT
    x = ember.randn(2, 3)
    proto = export(model, (x, x))
    assert [i.name for i in proto.graph.input] == ["query", "key"]
    ember.onnx.verify(proto, model, (x, x), **TOLERANCE)


def test_a_tensor_of_one_value_sized_by_the_batch():
    """zeros(batch, ...) made in forward (an RNN's first state) is made in the graph."""
    def forward(x):
        state = ember.zeros(x.shape[0], 3)
        return ember.cat([x, state + 1, ember.full((x.shape[0], 1), 2.5)], 1)

    model = Lambda(forward)
    proto = export(model, ember.randn(2, 4), input_names=["x"], dynamic_axes={"x": [0]})
    ember.onnx.verify(proto, model, ember.randn(6, 4), **TOLERANCE)
    with pytest.raises(OnnxExporterError, match="computed outside the traced primitives"):
        ember.onnx.export(Lambda(lambda x: x + ember.arange(float(x.shape[0]))[:, None]),
                          ember.randn(2, 4), input_names=["x"], dynamic_axes={"x": [0]})


def test_nested_inputs_and_outputs():
    model = Lambda(lambda pair, z: (pair[0] + z, [pair[1] * 2, z.exp()]))
    args = ([ember.randn(3), ember.randn(3)], ember.randn(3))
    proto = export(model, args)
    assert len(proto.graph.input) == 3 and len(proto.graph.output) == 3
    ember.onnx.verify(proto, model, args, **TOLERANCE)


def test_an_output_that_is_an_input_or_a_weight():
    model = nn.Linear(2, 2)
    model.forward = lambda x: (x, model.weight, x * 2, x * 2)
    proto = export(model, ember.randn(1, 2))
    assert [o.name for o in proto.graph.output] == ["output", "output_1", "output_2", "output_3"]
    ember.onnx.verify(proto, model, ember.randn(1, 2), **TOLERANCE)


def test_dynamic_axes_in_both_forms_name_the_outputs_dims():
    model = Lambda(lambda a, b: (a @ b).sum(-1))
    args = (ember.randn(2, 3, 4), ember.randn(4, 5))
    proto = export(model, args, input_names=["a", "b"], dynamic_axes={"a": [0, 1]})
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (proto.graph.input[0], proto.graph.output[0])]
    assert dims == [["a_dynamic_axes_1", "a_dynamic_axes_2", 4],
                    ["a_dynamic_axes_1", "a_dynamic_axes_2"]]
    ember.onnx.verify(proto, model, (ember.randn(6, 1, 4), args[1]), **TOLERANCE)


def test_weights_as_inputs_and_initializers_as_inputs():
    model = Net().eval()
    x = ember.randn(2, 4)
    proto = export(model, (x,), export_params=False)
    assert not proto.graph.initializer or all(
        not t.name.startswith(("fc.", "bn.")) for t in proto.graph.initializer)
    assert {"fc.weight", "fc.bias", "bn.running_mean"} <= {i.name for i in proto.graph.input}
    ember.onnx.verify(proto, model, (x,), **TOLERANCE)
    proto = export(model, (x,), keep_initializers_as_inputs=True)
    assert {t.name for t in proto.graph.initializer} <= {i.name for i in proto.graph.input}


def test_constant_folding():
    model = Net().eval()
    folded = export(model, (ember.randn(2, 4),))
    unfolded = export(model, (ember.randn(2, 4),), do_constant_folding=False)
    assert len(folded.graph.node) < len(unfolded.graph.node)
    ember.onnx.verify(unfolded, model, (ember.randn(2, 4),), **TOLERANCE)


def test_opsets(torch):
    newest = onnx.defs.onnx_opset_version()
    model = nn.Linear(2, 2)
    assert export(model, ember.randn(1, 2)).opset_import[0].version == 20
    assert export(model, ember.randn(1, 2), opset_version=17).opset_import[0].version == 17
    for bad in (16, newest + 1, "17"):
        with pytest.raises(ValueError, match=f"from 17 to {newest}"):
            ember.onnx.export(model, ember.randn(1, 2), None, opset_version=bad)


def test_writes_a_path_a_file_object_or_nothing(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "model.onnx"
    proto = ember.onnx.export(model, ember.randn(1, 3), path)
    assert path.read_bytes() == proto.SerializeToString()
    ember.onnx.export(model, ember.randn(1, 3), str(path), check=True)
    ember.onnx.verify(str(path), model, ember.randn(1, 3), **TOLERANCE)
    buffer = io.BytesIO()
    ember.onnx.export(model, ember.randn(1, 3), buffer)
    assert onnx.load_from_string(buffer.getvalue()) == proto
    assert isinstance(ember.onnx.export(model, ember.randn(1, 3)), onnx.ModelProto)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_an_unwritable_path_fails_before_tracing(tmp_path):
    model = Lambda(lambda x: x + 1)
    with pytest.raises(FileNotFoundError, match="no directory"):
        ember.onnx.export(model, ember.randn(2), tmp_path / "missing" / "m.onnx")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        ember.onnx.export(model, ember.randn(2), tmp_path)
    with pytest.raises(TypeError, match="f must be a path or a binary file object, got int"):
        ember.onnx.export(model, ember.randn(2), 3)
    assert model.calls == 0 and list(tmp_path.iterdir()) == []


class Square(Function):
    def forward(ctx, a):
        return a * a

    def backward(ctx, g):
        return g


@pytest.mark.parametrize(("fn", "error", "fragments"), [
    (lambda x: Square.apply(x) + 1, UnsupportedOperatorError,
     ["Square (op #0, at", "test_onnx_export.py", "has no ONNX mapping"]),
    (lambda x: {"y": x}, OnnxExporterError, ["returned dict", "return the tensors only"]),
    (lambda x: (x, None), OnnxExporterError, ["returned NoneType at output[1]"]),
    (lambda x: x * x.argmax(), OnnxExporterError, ["computed outside the traced primitives"]),
    (lambda x: x * x.sum().item(), OnnxExporterError, ["computed outside the traced primitives"]),
    (lambda x: x + 1 if len(x) == 10 else x - 1, OnnxExporterError,
     ["runs other ops for other inputs", "Add at the example inputs, Sub at inputs"]),
], ids=["unsupported-op", "dict-output", "none-output", "argmax", "item", "branch"])
def test_bad_models_get_one_clear_error_and_nothing_is_written(tmp_path, fn, error, fragments):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"the previous model")
    with pytest.raises(error) as caught:
        ember.onnx.export(Lambda(fn), ember.arange(10.0), target, input_names=["x"],
                          dynamic_axes={"x": [0]})
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert target.read_bytes() == b"the previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_a_size_the_model_cannot_take_is_named():
    model = Lambda(lambda x: x.reshape(2, -1))
    with pytest.raises(OnnxExporterError, match=r"fails at inputs .* \(shapes \[\(3, 3\)\]\)"):
        ember.onnx.export(model, ember.randn(2, 3), input_names=["x"],
                          dynamic_axes={"x": {0: "n"}})
    with pytest.raises(ValueError, match="'y', which is neither an input"):
        ember.onnx.export(model, ember.randn(2, 3), input_names=["x"],
                          dynamic_axes={"y": {0: "n"}})


def test_reading_memory_changed_through_a_view_is_refused():
    def overwrite_half(x):
        y = x * 1
        y[:, :1].relu_()  # writes y's memory through a view
        return y.sum(1)

    with pytest.raises(OnnxExporterError, match="memory that an in-place op at .* changed"):
        ember.onnx.export(Lambda(overwrite_half), ember.randn(2, 3))

    def write_then_read_the_view(x):
        y = x * 1
        v = y[:, :1]
        v.relu_()
        return v * 2  # the written view itself is fine

    model = Lambda(write_then_read_the_view)
    ember.onnx.verify(export(model, ember.randn(2, 3)), model, ember.randn(2, 3), **TOLERANCE)


def test_changing_a_weight_in_forward_is_refused():
    model = nn.Linear(2, 2)
    model.forward = lambda x: model.weight.mul_(2).sum() + x
    with pytest.raises(OnnxExporterError, match="changes the parameter or buffer 'weight'"):
        ember.onnx.export(model, ember.randn(2))


def test_training_modes():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)).train()
    export(model, ember.randn(4, 3))  # EVAL: running statistics
    assert model.training
    with pytest.raises(UnsupportedOperatorError, match="BatchNormTraining"):
        ember.onnx.export(model, ember.randn(4, 3), training=TrainingMode.PRESERVE)
    with pytest.raises(OnnxExporterError, match="inference graphs"):
        ember.onnx.export(model, ember.randn(4, 3), training=TrainingMode.TRAINING)
    assert model.training


def test_is_in_onnx_export_during_the_trace_only():
    seen = []
    model = Lambda(lambda x: seen.append(ember.onnx.is_in_onnx_export()) or x + 1)
    ember.onnx.export(model, ember.randn(2))
    assert seen == [True, True] and ember.onnx.is_in_onnx_export() is False


def test_verbose_lists_the_graph(capsys):
    ember.onnx.export(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), ember.randn(2, 3), verbose=True)
    out = capsys.readouterr().out
    assert "initializer 0.weight: float32[4, 3]" in out and "Relu" in out and "Gemm" in out


def test_verify_reports_a_difference():
    model = nn.LeakyReLU(0.2)
    proto = export(model, ember.randn(3, 4))
    proto.graph.node[0].attribute[0].f = 0.25
    with pytest.raises(OnnxExporterError, match="output 'output' differs from ember's"):
        ember.onnx.verify(proto, model, ember.randn(3, 4))


def test_float64_and_integer_models():
    model = Lambda(lambda a, i: (a * 2).sum(-1) + i.double())
    args = (ember.randn(3, 2, dtype=ember.float64), ember.arange(3))
    proto = export(model, args)
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    got = ember.onnx.verify(proto, model, args, rtol=1e-12, atol=1e-12)
    assert got[0].dtype == np.float64


class Packed(nn.Module):
    """A recurrent layer over sequences of lengths 4, 3 and 1, packed."""

    def __init__(self, rnn) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, state = self.rnn(pack_padded_sequence(x, [4, 3, 1]))
        return (pad_packed_sequence(out)[0], *(state if isinstance(state, tuple) else [state]))


@pytest.mark.parametrize("rnn", [nn.GRU(3, 4, bidirectional=True), nn.LSTM(3, 4, 2),
                                 nn.LSTM(3, 4, proj_size=2), nn.RNN(3, 4, nonlinearity="relu")],
                         ids=["GRU", "LSTM", "LSTM-projection", "RNN"])
def test_packed_sequences_are_unrolled(rnn):
    model = Packed(rnn)
    proto = export(model, ember.randn(4, 3, 3))
    assert not {"LSTM", "GRU", "RNN"} & {n.op_type for n in proto.graph.node}
    for _ in range(2):
        ember.onnx.verify(proto, model, ember.randn(4, 3, 3), **TOLERANCE)


def test_an_unrolled_layer_has_a_fixed_number_of_steps():
    with pytest.raises(OnnxExporterError, match=r"LSTMLayer \(op #\d+, at .*\): a recurrent "
                       "layer unrolled .* has a fixed number of steps"):
        ember.onnx.export(nn.LSTM(3, 5, proj_size=2), ember.randn(4, 2, 3), input_names=["x"],
                          dynamic_axes={"x": {0: "steps"}})
