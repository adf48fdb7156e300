"""torch.nn.modules.module's path to Module (defined in ember.nn.module)."""

from ..module import Module, RemovableHandle

__all__ = ["Module", "RemovableHandle"]
