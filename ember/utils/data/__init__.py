"""ember.data under PyTorch's path, so `from ember.utils.data import DataLoader` works as
`from torch.utils.data import DataLoader` does. The submodules `dataloader`, `dataset` and
`sampler` are ember.data's own modules under their PyTorch names (the same module objects);
`distributed` holds DistributedSampler."""

import sys

from ...data import *  # noqa: F403
from ...data import (
    __all__,  # noqa: F401
    dataloader,
    dataset,
    sampler,
)
from . import distributed  # noqa: F401 - torch.utils.data.distributed is an attribute too

for _module in (dataloader, dataset, sampler):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
