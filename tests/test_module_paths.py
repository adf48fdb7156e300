"""PyTorch's module paths exist in ember where programs import from them: each torch path below,
with torch replaced by ember, imports, and holds the same names (the ones ember has)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import ember

# torch module path -> names imported from it by real programs
PATHS = {
    "torch.utils.data": ["DataLoader", "Dataset", "TensorDataset", "get_worker_info"],
    "torch.utils.data.dataloader": ["DataLoader", "default_collate", "get_worker_info"],
    "torch.utils.data.dataset": ["Dataset", "TensorDataset", "Subset", "ConcatDataset",
                                 "random_split", "IterableDataset"],
    "torch.utils.data.sampler": ["Sampler", "RandomSampler", "SequentialSampler", "BatchSampler",
                                 "SubsetRandomSampler", "WeightedRandomSampler"],
    "torch.nn.modules": ["Module", "Linear", "Conv2d", "BatchNorm1d", "Flatten"],
    "torch.nn.modules.module": ["Module"],
    "torch.nn.modules.linear": ["Linear", "Identity", "Bilinear"],
    "torch.nn.modules.conv": ["Conv2d"],
    "torch.nn.modules.batchnorm": ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"],
    "torch.nn.modules.normalization": ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"],
    "torch.nn.modules.instancenorm": ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"],
    "torch.nn.modules.upsampling": ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"],
    "torch.nn.modules.pixelshuffle": ["PixelShuffle", "PixelUnshuffle"],
    "torch.nn.modules.channelshuffle": ["ChannelShuffle"],
    "torch.nn.modules.padding": ["ZeroPad2d", "ConstantPad1d", "ReflectionPad2d",
                                 "ReplicationPad3d", "CircularPad2d"],
    "torch.nn.modules.flatten": ["Flatten", "Unflatten"],
    "torch.nn.modules.activation": ["ReLU", "GELU", "Softmax", "MultiheadAttention"],
    "torch.nn.modules.rnn": ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell",
                             "LSTMCell", "GRUCell"],
    "torch.nn.modules.transformer": ["Transformer", "TransformerEncoder",
                                     "TransformerEncoderLayer", "TransformerDecoder",
                                     "TransformerDecoderLayer"],
    "torch.nn.utils.rnn": ["PackedSequence", "pad_sequence", "pack_padded_sequence",
                           "pad_packed_sequence", "pack_sequence"],
    "torch.nn.modules.pooling": ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"],
    "torch.nn.modules.dropout": ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                 "AlphaDropout", "FeatureAlphaDropout"],
    "torch.nn.modules.sparse": ["Embedding"],
    "torch.nn.modules.loss": ["CrossEntropyLoss", "MSELoss", "NLLLoss"],
    "torch.nn.modules.container": ["Sequential", "ModuleList", "ModuleDict"],
    "torch.cuda": ["is_available", "device_count", "manual_seed", "empty_cache"],
    "torch.cuda.amp": ["GradScaler", "autocast"],
    "torch.amp": ["GradScaler", "autocast"],
    "torch.amp.grad_scaler": ["GradScaler"],
    "torch.amp.autocast_mode": ["autocast"],
    "torch.backends.cudnn": ["benchmark", "deterministic", "enabled"],
    "torch.backends.mps": ["is_available"],
    "torch.backends.cuda": ["matmul"],
    "torch.accelerator": ["is_available", "current_accelerator"],
    "torch.onnx": ["export"],
}


@pytest.mark.parametrize("path", PATHS)
def test_module_path_imports_with_torchs_names(torch, path):
    theirs = importlib.import_module(path)
    ours = importlib.import_module(path.replace("torch", "ember", 1))
    for name in PATHS[path]:
        assert hasattr(theirs, name), f"{path}.{name} is not in torch either"
        assert hasattr(ours, name), f"ember{path[5:]}.{name} is missing"


def test_utils_data_submodules_are_embers_own():
    from ember.utils.data import dataloader, dataset, sampler

    assert dataloader.DataLoader is ember.data.DataLoader
    assert dataset.TensorDataset is ember.data.TensorDataset
    assert sampler.RandomSampler is ember.data.RandomSampler


def test_moved_layers_keep_their_state_dict_keys():
    net = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.BatchNorm1d(3), ember.nn.Flatten())
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                      "1.running_mean", "1.running_var", "1.num_batches_tracked"]


def test_onnx_imports_without_the_onnx_extra_and_says_what_to_install():
    code = ("import sys; sys.modules['onnx'] = None\n"  # as if onnx were not installed
            "import ember, ember.onnx\n"
            "assert ember.onnx.is_in_onnx_export() is False\n"
            "try:\n"
            "    ember.onnx.export(ember.nn.Linear(1, 1), ember.ones(1), 'model.onnx')\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "pip install 'ember[onnx]'" in done.stdout
