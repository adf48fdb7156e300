"""ember.amp: PyTorch's automatic mixed precision API. ember computes in the dtypes it is given
(float32 by default), so `autocast` changes nothing and says so, and `GradScaler` is a
pass-through when disabled (what CPU programs pass) and PyTorch's dynamic loss scaler on "cpu"."""

from . import autocast_mode, grad_scaler
from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "autocast_mode", "grad_scaler"]
