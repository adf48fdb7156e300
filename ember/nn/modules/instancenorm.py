"""InstanceNorm1d, InstanceNorm2d and InstanceNorm3d (torch.nn.modules.instancenorm)."""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from ..functional.norm import instance_norm_checked
from .batchnorm import _BatchNorm


class _InstanceNorm(_BatchNorm):
    """Each channel of each sample normalized over its spatial positions. With
    track_running_stats, training also updates running_mean / running_var (the batch mean of
    the per-instance statistics), which evaluation then uses. Parameters, buffers and their
    defaults are the batch norms' except affine=False and track_running_stats=False."""

    _spatial_dims: int

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        name = self._get_name()
        unbatched = self._spatial_dims + 1
        if not isinstance(input, Tensor) or input.ndim not in (unbatched, unbatched + 1):
            got = f"{input.ndim}D" if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(f"{name}: expected {unbatched}D or {unbatched + 1}D input (got "
                             f"{got} input)")
        channel_dim = input.ndim - unbatched
        if input.shape[channel_dim] != self.num_features:
            message = (f"{name}: expected input's size at dim={channel_dim} to match "
                       f"num_features ({self.num_features}), but got: "
                       f"{input.shape[channel_dim]}.")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + " The layer has no parameters of that size, so it runs.",
                          stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = instance_norm_checked(
            x, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0, self.eps, name)
        return out.squeeze(0) if input.ndim == unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or unbatched (C, L) inputs."""

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or unbatched (C, H, W) inputs."""

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""

    _spatial_dims = 3
