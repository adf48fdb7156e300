"""ember.data under PyTorch's path, so `from ember.utils.data import DataLoader` works as
`from torch.utils.data import DataLoader` does."""

from ...data import *  # noqa: F403
from ...data import __all__  # noqa: F401
from . import distributed  # noqa: E402 - torch.utils.data.distributed is an attribute too
