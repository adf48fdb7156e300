"""The tensor and autograd tutorials of pytorch/tutorials (beginner_source/basics: tensorqs,
autogradqs), written again in their style with `import ember as torch`: every call they make,
each checked against NumPy."""

from __future__ import annotations

import numpy as np

import ember as torch


def test_making_tensors_and_their_attributes():
    grid = [[5, 6], [7, 8]]
    from_list = torch.tensor(grid)
    from_array = torch.from_numpy(np.array(grid))
    assert from_list.dtype == torch.int64 and from_array.tolist() == grid
    ones = torch.ones_like(from_list)
    assert ones.dtype == torch.int64 and ones.tolist() == [[1, 1], [1, 1]]
    noise = torch.rand_like(from_list, dtype=torch.float)
    assert noise.dtype == torch.float32 and ((noise >= 0) & (noise < 1)).all()
    size = (3, 2,)
    assert torch.rand(size).shape == size and torch.zeros(size).sum().item() == 0.0
    text = f"Ones: \n {torch.ones(size)} \n"
    assert "tensor([[1., 1.]," in text
    sample = torch.rand(2, 5)
    described = f"{sample.shape} {sample.dtype} {sample.device}"
    assert described == "ember.Size([2, 5]) ember.float32 cpu"
    # tutorials test for a GPU with `&`, which evaluates both sides
    assert not (torch.cuda.is_available() & (torch.device("cuda").index is not None))


def test_indexing_joining_and_arithmetic():
    board = torch.ones(3, 4)
    assert board[0].tolist() == [1.0] * 4 and board[:, 0].tolist() == [1.0] * 3
    assert board[..., -1].shape == (3,)
    board[:, 2] = 0
    assert board.sum().item() == 9.0
    wide = torch.cat([board, board, board], dim=1)
    assert wide.shape == (3, 12)
    gram = board @ board.T
    assert torch.equal(gram, board.matmul(board.T))
    into = torch.rand_like(board @ board.T)
    assert torch.matmul(board, board.T, out=into) is into and torch.equal(into, gram)
    squared = torch.rand_like(board)
    torch.mul(board, board, out=squared)
    assert torch.equal(squared, board * board) and torch.equal(board.mul(board), squared)
    total = board.sum().item()
    assert isinstance(total, float) and total == 9.0
    board.add_(2)
    assert board[0].tolist() == [3.0, 3.0, 2.0, 3.0]


def test_numpy_bridge_shares_memory_both_ways():
    t = torch.ones(4)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 4
    n = np.zeros(4)
    t = torch.from_numpy(n)
    np.add(n, 3, out=n)
    assert t.tolist() == [3.0] * 4


def test_gradients_of_a_one_layer_network():
    x = torch.ones(4)
    y = torch.zeros(2)
    w = torch.randn(4, 2, requires_grad=True)
    b = torch.randn(2, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert f"{z.grad_fn}".startswith("<AddBackward0") and "Backward" in f"{loss.grad_fn}"
    loss.backward()
    logits = x.numpy() @ w.detach().numpy() + b.detach().numpy()
    dz = 1 / (1 + np.exp(-logits)) / 2  # d mean(BCE(z, 0)) / dz
    np.testing.assert_allclose(b.grad.numpy(), dz, rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), np.outer(x.numpy(), dz), rtol=1e-5)
    assert torch.matmul(x, w).requires_grad
    with torch.no_grad():
        assert not (torch.matmul(x, w) + b).requires_grad
    assert not (torch.matmul(x, w) + b).detach().requires_grad


def test_vector_jacobian_products_accumulate():
    inp = torch.eye(3, 4, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    np.testing.assert_allclose(first.numpy(), 2 * (np.eye(3, 4) + 1))
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_allclose(inp.grad.numpy(), 2 * first.numpy())
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_allclose(inp.grad.numpy(), first.numpy())
