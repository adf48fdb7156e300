"""nn.utils.rnn against torch: packing and padding, their gradients, PackedSequence, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as ember_rnn

RNG = np.random.default_rng(0)


@pytest.fixture
def torch_rnn(torch):
    from torch.nn.utils import rnn

    return rnn


def as_lists(packed):
    return [None if t is None else t.tolist() for t in packed[1:]]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 4, 2], True), ([2, 4, 1, 4], False),
                                                    ([1, 1], True)])
def test_pack_then_pad_matches_torch(parity, torch_rnn, batch_first, lengths, enforce_sorted):
    steps = 5
    shape = (len(lengths), steps, 2) if batch_first else (steps, len(lengths), 2)
    x = RNG.standard_normal(shape).astype(np.float32)

    def run(utils, m):
        def call(x):
            packed = utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                enforce_sorted=enforce_sorted)
            padded, out_lengths = utils.pad_packed_sequence(
                packed, batch_first=batch_first, padding_value=-1.5, total_length=6)
            assert out_lengths.tolist() == list(lengths)
            return m.cat([packed.data.reshape(-1), padded.reshape(-1)])
        return call

    parity.check(run(ember_rnn, ember), run(torch_rnn, parity.torch), x)
    ours = ember_rnn.pack_padded_sequence(ember.tensor(x), lengths, batch_first=batch_first,
                                          enforce_sorted=enforce_sorted)
    theirs = torch_rnn.pack_padded_sequence(parity.torch.tensor(x), lengths,
                                            batch_first=batch_first,
                                            enforce_sorted=enforce_sorted)
    assert as_lists(ours) == as_lists(theirs)
    assert ours.batch_sizes.dtype == ember.int64


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_pack_sequence_match_torch(parity, torch_rnn, batch_first,
                                                    padding_side):
    arrays = [RNG.standard_normal((n, 2)).astype(np.float32) for n in (3, 1, 4)]

    def run(utils, m):
        def call(*seqs):
            padded = utils.pad_sequence(list(seqs), batch_first=batch_first, padding_value=7.0,
                                        padding_side=padding_side)
            packed = utils.pack_sequence(list(seqs), enforce_sorted=False)
            return m.cat([padded.reshape(-1), packed.data.reshape(-1)])
        return call

    parity.check(run(ember_rnn, ember), run(torch_rnn, parity.torch), *arrays)


def test_unpack_and_unpad_return_the_sequences(torch_rnn, torch):
    arrays = [RNG.standard_normal((n, 3)).astype(np.float32) for n in (2, 5, 3)]
    packed = ember_rnn.pack_sequence([ember.tensor(a) for a in arrays], enforce_sorted=False)
    for got, want in zip(ember_rnn.unpack_sequence(packed), arrays):
        np.testing.assert_array_equal(got.numpy(), want)
    padded = ember_rnn.pad_sequence([ember.tensor(a) for a in arrays])
    for got, want in zip(ember_rnn.unpad_sequence(padded, ember.tensor([2, 5, 3])), arrays):
        np.testing.assert_array_equal(got.numpy(), want)
    theirs = torch_rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    assert as_lists(packed) == as_lists(theirs)


def test_packed_sequence_is_a_named_tuple_with_conversions():
    packed = ember_rnn.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 2, 1] and sorted_indices is None
    assert packed.double().data.dtype == ember.float64 and packed.to(ember.float32) is packed
    assert packed.double().batch_sizes is batch_sizes and not packed.is_cuda
    rebuilt = ember_rnn.PackedSequence(data, batch_sizes, ember.tensor([1, 0]))
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    assert ember_rnn.PackedSequence((data, batch_sizes)).batch_sizes is batch_sizes
    assert ember_rnn.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_errors_match_torch(torch, torch_rnn):
    x = np.zeros((4, 3, 2), np.float32)
    cases = [
        (lambda u, m: u.pack_padded_sequence(m.tensor(x), [2, 4, 1]), RuntimeError,
         "must be sorted in decreasing order"),
        (lambda u, m: u.pack_padded_sequence(m.tensor(x), [4, 2]), RuntimeError,
         "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
        (lambda u, m: u.pack_padded_sequence(m.tensor(x), [4, 1, 0]), RuntimeError,
         "Length of all samples has to be greater than 0"),
        (lambda u, m: u.pad_sequence([m.ones(2)], padding_side="middle"), RuntimeError,
         "Expected padding_side to be one of left or right, but got middle."),
        (lambda u, m: u.pad_sequence([]), RuntimeError, "received an empty list of sequences"),
        (lambda u, m: u.pad_packed_sequence(u.pack_sequence([m.ones(3)]), total_length=2),
         ValueError, "Expected total_length to be at least the length of the longest"),
    ]
    import re

    for build, error, message in cases:
        for utils, m in ((ember_rnn, ember), (torch_rnn, torch)):
            with pytest.raises(error, match=re.escape(message)):
                build(utils, m)
    with pytest.raises(RuntimeError, match="a length of 5 exceeds the 4 steps"):
        ember_rnn.pack_padded_sequence(ember.tensor(x), [5, 4, 1])  # torch reads past the end
