"""torch.nn.modules.module's path to Module (defined in ember.nn.module)."""

from .._module_hooks import RemovableHandle
from ..module import Module

__all__ = ["Module", "RemovableHandle"]
