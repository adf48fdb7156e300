"""Data loading with torch.utils.data's names: datasets, samplers, DataLoader, default_collate;
plus torchvision-style transforms and the MNIST / Fashion-MNIST datasets."""

from . import transforms
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    SampleBatch,
    Subset,
    TensorDataset,
    random_split,
)
from .datasets import MNIST, FashionMNIST
from .distributed import DistributedSampler
from .idx import DatasetError, read_idx
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "MNIST",
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DistributedSampler",
    "FashionMNIST",
    "IterableDataset",
    "RandomSampler",
    "SampleBatch",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
    "read_idx",
    "transforms",
]
