"""ember.data under PyTorch's path, so `from ember.utils.data import DataLoader` works as
`from torch.utils.data import DataLoader` does."""

from ...data import *  # noqa: F403
from ...data import __all__  # noqa: F401
