"""Transforms against torch's arithmetic, the batch protocol, and MNIST's batched fast path."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.data import MNIST, DataLoader, Dataset, default_collate
from ember.data import transforms as T


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(0, 256, (5, 7), dtype=np.uint8)


def test_to_tensor_matches_torch(torch, image):
    out = T.ToTensor()(image)
    expected = torch.from_numpy(image)[None].float().div(255)
    assert out.dtype == ember.float32 and out.shape == (1, 5, 7)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())  # bit for bit


def test_to_tensor_channels_last_and_ember_input(image):
    rgb = np.stack([image, image // 2, image // 3], axis=-1)  # HxWxC
    out = T.ToTensor()(ember.from_numpy(rgb))
    assert out.shape == (3, 5, 7) and out.numpy().flags.c_contiguous
    np.testing.assert_array_equal(out.numpy()[1], (image // 2) / np.float32(255))


def test_to_tensor_leaves_other_dtypes_unscaled():
    out = T.ToTensor()(np.full((2, 2), 3.0))
    assert out.dtype == ember.float64 and out.shape == (1, 2, 2) and out.numpy().max() == 3.0


def test_to_tensor_batch_equals_per_image(image):
    batch = np.stack([image, 255 - image, image // 2])
    out = T.ToTensor().batch(batch)
    assert out.shape == (3, 1, 5, 7)
    expected = default_collate([T.ToTensor()(im) for im in batch])
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_to_tensor_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"ToTensor: expected an image of shape HxW or HxWxC"):
        T.ToTensor()(np.zeros(shape, np.uint8))


def test_normalize_matches_torch(torch):
    x = np.random.default_rng(1).random((2, 3, 4, 4), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(ember.from_numpy(x.copy()))
    expected = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(
        -1, 1, 1)
    assert out.dtype == ember.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_normalize_inplace_and_out_of_place():
    x = ember.ones(1, 2, 2)
    out = T.Normalize((0.5,), (0.5,))(x)
    assert x.numpy().tolist() == [[[1, 1], [1, 1]]] and out.numpy().max() == 1.0
    same = T.Normalize((1.0,), (1.0,), inplace=True)(x)
    assert same is x and x.numpy().max() == 0.0


def test_normalize_keeps_autograd():
    x = ember.ones(1, 2, 2, requires_grad=True)
    T.Normalize((0.0,), (4.0,))(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 2, 2), 0.25))


@pytest.mark.parametrize("x, mean, std, error, match", [
    (ember.ones(1, 2, 2, dtype=ember.uint8), (0.0,), (1.0,), TypeError, "float tensor"),
    (ember.ones(2, 2), (0.0,), (1.0,), ValueError, r"\(\.\.\., C, H, W\)"),
    (ember.ones(3, 2, 2), (0.0, 0.0), (1.0, 1.0), ValueError, "3 channels"),
    (ember.ones(1, 2, 2), (0.0,), (0.0,), ValueError, "zero"),
])
def test_normalize_errors(x, mean, std, error, match):
    with pytest.raises(error, match=match):
        T.Normalize(mean, std)(x)


def test_batch_protocol():
    assert T.batchable(None) and T.batchable(T.ToTensor()) and T.batchable(T.Normalize([0], [1]))
    assert T.batchable(T.Compose([T.ToTensor(), T.Lambda(abs, batched=True)]))
    assert not T.batchable(T.Compose([T.ToTensor(), T.Lambda(abs)]))
    assert not T.batchable(print)
    with pytest.raises(TypeError, match="Lambda cannot transform batches"):
        T.Compose([T.Lambda(abs)]).batch(ember.ones(2))


def test_lambda_checks_callable():
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


# ---- MNIST batched fast path -------------------------------------------------------------------
@pytest.fixture
def mnist_files(tmp_path, make_split):
    make_split(tmp_path / "mnist", n=50)
    return tmp_path


class PerSample(Dataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, i):
        return self.dataset[i]

    def __len__(self):
        return len(self.dataset)


NORMALIZE = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])


@pytest.mark.parametrize("transform, target_transform", [
    (None, None),
    (NORMALIZE, None),
    (NORMALIZE, T.Lambda(lambda y: y * 2, batched=True)),
    (T.Compose([T.ToTensor(), T.Lambda(lambda x: x + 1)]), T.Lambda(lambda y: y % 3)),
])
def test_mnist_fast_path_equals_per_sample_path(mnist_files, transform, target_transform):
    ds = MNIST(mnist_files, transform=transform, target_transform=target_transform)
    fast = DataLoader(ds, batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(0))
    slow = DataLoader(PerSample(ds), batch_size=8, shuffle=True,
                      generator=ember.Generator().manual_seed(0))
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        assert xf.dtype == xs.dtype and xf.shape == xs.shape
        assert yf.dtype == ys.dtype == ember.int64
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_mnist_fast_path_calls_transform_once_per_batch(mnist_files, monkeypatch):
    calls = {"sample": 0, "batch": 0}

    class Spy(T.ToTensor):
        def __call__(self, pic):
            calls["sample"] += 1
            return super().__call__(pic)

        def batch(self, pics):
            calls["batch"] += 1
            return super().batch(pics)

    ds = MNIST(mnist_files, transform=Spy())
    monkeypatch.setattr(MNIST, "__getitem__", lambda *a: pytest.fail("per-sample fetch"))
    assert len(list(DataLoader(ds, batch_size=16))) == 4
    assert calls == {"sample": 0, "batch": 4}


def test_mnist_sample_and_index_errors(mnist_files):
    ds = MNIST(mnist_files, transform=T.ToTensor(), target_transform=T.Lambda(str))
    img, target = ds[-1]
    assert img.shape == (1, 28, 28) and img.dtype == ember.float32
    assert target == str(int(ds.targets[49].item()))
    with pytest.raises(IndexError, match="MNIST: index 50 is out of range for 50 samples"):
        ds[50]
    with pytest.raises(IndexError, match="index 50 is out of range"):
        ds.__getitems__([1, 50])
