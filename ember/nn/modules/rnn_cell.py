"""The one-step recurrent cells (torch.nn.modules.rnn's RNNCell, LSTMCell, GRUCell), over
ember.rnn_tanh_cell / rnn_relu_cell / lstm_cell / gru_cell (ember/recurrent.py); reached as
ember.nn.modules.rnn.LSTMCell too, as in PyTorch."""

from __future__ import annotations

import math

from ... import recurrent
from ...creation import zeros
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import empty_parameter

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """weight_ih (G*H, input_size), weight_hh (G*H, H), bias_ih and bias_hh (G*H,) when bias,
    uniform in (-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = empty_parameter((num_chunks * hidden_size, input_size), dtype, device)
        self.weight_hh = empty_parameter((num_chunks * hidden_size, hidden_size), dtype, device)
        if bias:
            self.bias_ih = empty_parameter((num_chunks * hidden_size,), dtype, device)
            self.bias_hh = empty_parameter((num_chunks * hidden_size,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in (-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _prepare(self, input: Tensor, states: list, name: str, what: list[str]):
        """Checks and batching as PyTorch's cells: (input (N, I), states (N, H) each or
        zeros, whether the input was batched)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        for state, label in zip(states, what):
            if state is not None and state.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {state.dim()}D "
                                 f"instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        zero = None
        prepared = []
        for state in states:
            if state is None:
                if zero is None:
                    zero = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
                state = zero
            elif not batched:
                state = state.unsqueeze(0)
            prepared.append(state)
        return input, prepared, batched

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """torch.nn.RNNCell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Shape: input (N, H_in) or (H_in); hidden (N, H) or (H), zeros when not given; returns h'
    shaped as hidden.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' (N, H) or (H) from input (N, H_in) or (H_in) and hx (zeros when None). Raises
        ValueError for an input or hx that is not 1-D or 2-D, RuntimeError for wrong sizes."""
        input, (hx,), batched = self._prepare(input, [hx], "RNNCell", ["hidden"])
        if self.nonlinearity == "tanh":
            out = recurrent.rnn_tanh_cell(input, hx, *self._weights())
        elif self.nonlinearity == "relu":
            out = recurrent.rnn_relu_cell(input, hx, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """torch.nn.LSTMCell: one LSTM step (gates i, f, g, o).

    Shape: input (N, H_in) or (H_in); hx = (h, c), each (N, H) or (H), zeros when not given;
    returns (h', c') shaped as h and c.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx=None) -> tuple[Tensor, Tensor]:
        """(h', c'), each (N, H) or (H), from input (N, H_in) or (H_in) and hx = (h, c) (zeros
        when None). Raises ValueError for a state that is not 1-D or 2-D, RuntimeError for
        wrong sizes."""
        given = [None, None] if hx is None else list(hx)
        input, states, batched = self._prepare(input, given, "LSTMCell", ["hx[0]", "hx[1]"])
        h, c = recurrent.lstm_cell(input, states, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """torch.nn.GRUCell: one GRU step (gates r, z, n).

    Shape: input (N, H_in) or (H_in); hidden (N, H) or (H), zeros when not given; returns h'
    shaped as hidden.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' (N, H) or (H) from input (N, H_in) or (H_in) and hx (zeros when None). Raises
        ValueError for an input or hx that is not 1-D or 2-D, RuntimeError for wrong sizes."""
        input, (hx,), batched = self._prepare(input, [hx], "GRUCell", ["hidden"])
        out = recurrent.gru_cell(input, hx, *self._weights())
        return out if batched else out.squeeze(0)

