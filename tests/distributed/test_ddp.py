"""DistributedDataParallel and SyncBatchNorm on 2 and 3 processes: the same weights as one
process with the whole batch, no_sync, unused parameters, inputs, outputs and buffers."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.nn.parallel.reducer import assign_buckets


@pytest.mark.parametrize("nproc", [2, 3])
def test_ddp_ends_with_the_weights_of_one_process(ranks, nproc):
    ranks(nproc, "ddp_equals_one_process:mlp,cnn")


@pytest.mark.skipif(not hasattr(ember.nn, "LSTM"),
                    reason="needs ember.nn.LSTM (issue 10); runs as soon as it exists")
def test_ddp_with_an_lstm_ends_with_the_weights_of_one_process(ranks):
    ranks(2, "ddp_equals_one_process:lstm")


def test_ddp_no_sync_inputs_outputs_buffers_and_buckets_during_backward(ranks):
    ranks(2, "ddp_no_sync", "ddp_inputs_outputs_and_buffers", "ddp_grad_ready_hook",
          "ddp_different_models")


@pytest.mark.parametrize("nproc", [2, 3])
def test_ddp_unused_parameters(ranks, nproc):
    ranks(nproc, "ddp_unused_parameters")


@pytest.mark.parametrize("nproc", [2, 3])
def test_sync_batchnorm_second_derivatives_equal_one_process(ranks, nproc):
    ranks(nproc, "sync_batchnorm_double_backward")


def test_buckets_follow_reverse_order_dtype_and_cap():
    from ember.nn import Parameter

    def param(n, dtype=np.float32):
        return Parameter(np.zeros(n, dtype))

    params = [param(100), param(300), param(50, np.float64), param(200), param(10)]
    buckets = assign_buckets(params, cap_bytes=1000, first_cap_bytes=500)
    # reversed: 10, 200 (first float32 bucket closes at >= 500 bytes: 40 + 800), 50 (float64,
    # its own first bucket), 300 (1200 bytes >= 1000: closes), 100
    sizes = [[p.numel() for p in b] for b in buckets]
    assert sizes == [[10, 200], [50], [300], [100]], sizes


def test_convert_sync_batchnorm_shares_parameters_buffers_and_mode():
    from ember import nn

    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4),
                          nn.Sequential(nn.Flatten(), nn.BatchNorm1d(4 * 4 * 4, affine=False)))
    model[2][1].eval()
    bn, bn1d = model[1], model[2][1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert type(model[1]) is nn.SyncBatchNorm and type(model[2][1]) is nn.SyncBatchNorm
    assert model[1].weight is bn.weight and model[1].running_mean is bn.running_mean
    assert model[2][1].weight is None and model[2][1].running_var is bn1d.running_var
    assert model[2][1].training is False and model[1].training is True
    assert list(model.state_dict()) == list(nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4),
        nn.Sequential(nn.Flatten(), nn.BatchNorm1d(64, affine=False))).state_dict())
