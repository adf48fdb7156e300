"""Recurrent layers (torch.nn.modules.rnn): RNN, LSTM and GRU over whole sequences, and their
one-step cells. Parameter names, shapes, gate order and initialisation are PyTorch's, so state
dicts move between the two; the computation is ember.lstm / gru / rnn_tanh / rnn_relu
(ember/recurrent.py). The cells are in rnn_cell.py."""

from __future__ import annotations

import math
import numbers
import warnings

from ... import recurrent
from ...creation import zeros
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import empty_parameter
from ..utils.rnn import PackedSequence
from .rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase  # here too, as in PyTorch

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_FUNCTIONS = {"LSTM": recurrent.lstm, "GRU": recurrent.gru, "RNN_TANH": recurrent.rnn_tanh,
              "RNN_RELU": recurrent.rnn_relu}


def _check_int(value, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


class RNNBase(Module):
    """The parameters and argument checks shared by RNN, LSTM and GRU.

    For layer k and direction suffix s ('' or '_reverse'): weight_ih_l{k}{s} (G*H, in),
    weight_hh_l{k}{s} (G*H, H_out), bias_ih_l{k}{s} and bias_hh_l{k}{s} (G*H,) when bias, and
    for an LSTM with proj_size > 0, weight_hr_l{k}{s} (proj_size, H); G is 4 (LSTM, gates
    i, f, g, o), 3 (GRU: r, z, n) or 1 (RNN), H_out is proj_size or hidden_size, and `in` is
    input_size for layer 0 and H_out * num_directions after. All start uniform in
    (-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not (
                0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for value, name in ((bias, "bias"), (batch_first, "batch_first")):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        _check_int(input_size, "input_size")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_int(hidden_size, "hidden_size")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gate_size, layer_input),
                          "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, empty_parameter(shape, dtype, device))
                    names.append(kind + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        """The parameters in the order ember.lstm and friends take them (looked up on each
        call, so assigning a new Parameter, or .to(), is seen at once)."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list]:
        """The parameters as a list per layer and direction: [w_ih, w_hh, (b_ih, b_hh),
        (w_hr)] each, in the order of `_flat_weights`."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs the weights for cuDNN here; ember has nothing to pack."""

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in (-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as
        PyTorch's."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def check_input(self, input: Tensor, batch_sizes) -> None:
        """Raises ValueError if input's dtype is not the weights', RuntimeError if it is not
        3-D (2-D when packed, batch_sizes given) or its last dim is not input_size."""
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight_dtype}). Convert input: input.to({weight_dtype}), or "
                             f"convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple[int, int, int]:
        """(D * num_layers, N, H_out): the shape h_0 must have for this (batched) input."""
        return (self.num_layers * (2 if self.bidirectional else 1),
                self._mini_batch(input, batch_sizes), self.proj_size or self.hidden_size)

    def _mini_batch(self, input: Tensor, batch_sizes) -> int:
        if batch_sizes is not None:
            return int(batch_sizes[0])
        return input.size(0) if self.batch_first else input.size(1)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        """Raises RuntimeError (msg formatted with both shapes) if hx is not shaped
        expected_hidden_size."""
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:
        """check_input, then check_hidden_size of hidden against the expected shape."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation):
        """hx with its batch dim (1) reordered by permutation (a PackedSequence's sorted or
        unsorted indices); hx itself when permutation is None."""
        return hx if permutation is None else hx[:, permutation]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _zeros(self, input: Tensor, batch: int, size: int) -> Tensor:
        return zeros(self.num_layers * (2 if self.bidirectional else 1), batch, size,
                     dtype=input.dtype)

    def _forward(self, input, hx, with_cell: bool):
        """PyTorch's forward for all three: packed or padded, batched or not, hx given or
        zeros; returns (output, hidden) with hidden a tensor, or (h, c) when with_cell."""
        name = "LSTM" if with_cell else "RNN" if self.mode.startswith("RNN") else "GRU"
        packed = isinstance(input, PackedSequence)
        sorted_indices = unsorted_indices = batch_sizes = None
        if packed:
            input, batch_sizes, sorted_indices, unsorted_indices = input
            batched, batch = True, int(batch_sizes[0])
        else:
            if input.dim() not in (2, 3):
                suffix = " tensor" if name == "RNN" else ""
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                                 f"{suffix} instead")
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not batched:
                input = input.unsqueeze(batch_dim)
            batch = input.size(batch_dim)
        if hx is None:
            states = [self._zeros(input, batch, self.proj_size or self.hidden_size)]
            if with_cell:
                states.append(self._zeros(input, batch, self.hidden_size))
        else:
            states = list(hx) if with_cell else [hx]
            if not packed:
                want = 3 if batched else 2
                if any(s.dim() != want for s in states):
                    kind = "batched 3-D" if batched else "unbatched 2-D"
                    if with_cell:
                        dims = ", ".join(f"{s.dim()}-D" for s in states)
                        raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                           f"but got ({dims}) tensors")
                    raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                       f"{states[0].dim()}-D tensor")
                if not batched:
                    states = [s.unsqueeze(1) for s in states]
            states = [self.permute_hidden(s, sorted_indices) for s in states]
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if with_cell:
            self.check_hidden_size(states[0], expected, "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(states[1], expected[:2] + (self.hidden_size,),
                                   "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(states[0], expected)
        hx = tuple(states) if with_cell else states[0]
        common = (self._flat_weights, self.bias, self.num_layers, self.dropout, self.training,
                  self.bidirectional)
        function = _FUNCTIONS[self.mode]
        if packed:
            output, *hidden = function(input, batch_sizes, hx, *common)
        else:
            output, *hidden = function(input, hx, *common, self.batch_first)
        hidden = [self.permute_hidden(h, unsorted_indices) for h in hidden]
        if packed:
            output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        elif not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = [h.squeeze(1) for h in hidden]
        return output, (tuple(hidden) if with_cell else hidden[0])


class RNN(RNNBase):
    """torch.nn.RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu) per layer.

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None).

    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in) unbatched, or a
    PackedSequence; h_0 (D * num_layers, N, H) or (D * num_layers, H). Returns output
    (L, N, D * H) (same layout as the input) and h_n like h_0. Float32 or float64.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if self.nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(modes[self.nonlinearity], *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        """(output, h_n) for input (a tensor or PackedSequence) and h_0 (zeros when hx is
        None), shaped as in the class docstring; output is a PackedSequence for a packed input.
        Raises ValueError for a wrong input dim or dtype, RuntimeError for wrong sizes."""
        return self._forward(input, hx, with_cell=False)


class LSTM(RNNBase):
    """torch.nn.LSTM, with PyTorch's gates i, f, g, o and optional projection (proj_size).

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None).

    Shape: input as nn.RNN's; hx = (h_0, c_0) with h_0 (D * num_layers, N, H_out) and c_0
    (D * num_layers, N, H), H_out = proj_size or hidden_size. Returns output (L, N, D * H_out)
    and (h_n, c_n) shaped as (h_0, c_0).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple[int, int, int]:
        """(D * num_layers, N, hidden_size): the shape c_0 must have for this input."""
        return (self.num_layers * (2 if self.bidirectional else 1),
                self._mini_batch(input, batch_sizes), self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        """check_input, then the shapes of hidden = (h_0, c_0); RuntimeError if one is
        wrong."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        """RNNBase.permute_hidden of h and c when hx is the pair (h, c)."""
        if isinstance(hx, tuple):
            return tuple(super(LSTM, self).permute_hidden(h, permutation) for h in hx)
        return super().permute_hidden(hx, permutation)

    def forward(self, input, hx=None):
        """(output, (h_n, c_n)) for input (a tensor or PackedSequence) and hx = (h_0, c_0)
        (zeros when None), shaped as in the class docstring. Raises ValueError for a wrong input
        dim or dtype, RuntimeError for wrong sizes."""
        return self._forward(input, hx, with_cell=True)


class GRU(RNNBase):
    """torch.nn.GRU, with PyTorch's gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h' = (1 - z) n + z h.

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None). Shapes as nn.RNN's.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        """(output, h_n) for input (a tensor or PackedSequence) and h_0 (zeros when hx is
        None), shaped as in the class docstring; output is a PackedSequence for a packed input.
        Raises ValueError for a wrong input dim or dtype, RuntimeError for wrong sizes."""
        return self._forward(input, hx, with_cell=False)
