"""Batch normalization layers: BatchNorm1d, 2d and 3d (torch.nn.modules.batchnorm)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor, _make
from ..functional.norm import batch_norm_checked
from ..module import Module
from ..parameter import Parameter, parameter_dtype


class _BatchNorm(Module):
    """Batch norm over dim 1. Training uses batch statistics and updates running_mean /
    running_var (unbiased batch variance) with `momentum`, or with a cumulative average when
    momentum is None; evaluation uses the running statistics."""

    _expected_ndims: tuple[int, ...]
    _layout: str

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        np_dtype = parameter_dtype(dtype, device)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=np_dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=np_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            zeros, ones = np.zeros(num_features, np_dtype), np.ones(num_features, np_dtype)
            self.register_buffer("running_mean", _make(zeros, None))
            self.register_buffer("running_var", _make(ones, None))
            self.register_buffer("num_batches_tracked", _make(np.array(0, dtype=np.int64), None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def _check_input(self, input: Tensor) -> None:
        if not isinstance(input, Tensor) or input.ndim not in self._expected_ndims \
                or input.shape[1] != self.num_features:
            shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{self._get_name()}: expected input {self._layout} with "
                             f"{self.num_features} channels, got shape {shape}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or (self.running_mean is None
                                            and self.running_var is None)
        keep_stats = not self.training or self.track_running_stats
        return batch_norm_checked(input, self.running_mean if keep_stats else None,
                                  self.running_var if keep_stats else None, self.weight,
                                  self.bias, use_batch_stats, factor, self.eps, self._get_name(),
                                  self._batch_sync() if use_batch_stats else None)

    def _batch_sync(self):
        """What spreads the batch statistics over several processes (SyncBatchNorm's);
        None: the batch is this process's."""
        return None

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs."""

    _expected_ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs."""

    _expected_ndims = (4,)
    _layout = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm of (N, C, D, H, W) inputs."""

    _expected_ndims = (5,)
    _layout = "(N, C, D, H, W)"
