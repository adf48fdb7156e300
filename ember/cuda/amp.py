"""ember.cuda.amp: PyTorch's deprecated spellings of ember.amp's GradScaler and autocast for
"cuda". As in PyTorch, each warns that it is deprecated; and since there is no CUDA, an enabled
one is disabled with a warning."""

from __future__ import annotations

import warnings

from .. import amp as _amp

__all__ = ["GradScaler", "autocast"]


def _deprecated(name: str) -> None:
    warnings.warn(f"`ember.cuda.amp.{name}(args...)` is deprecated. Please use "
                  f"`ember.amp.{name}('cuda', args...)` instead.", FutureWarning, stacklevel=3)


class GradScaler(_amp.GradScaler):
    """ember.amp.GradScaler("cuda", ...): with enabled=False (what CPU programs pass) a
    pass-through."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        _deprecated("GradScaler")
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


class autocast(_amp.autocast):  # noqa: N801 - PyTorch's name
    """ember.amp.autocast("cuda", ...)."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        _deprecated("autocast")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
