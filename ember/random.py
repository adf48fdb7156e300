"""One global random generator, seeded by ember.manual_seed, so runs are reproducible."""

from __future__ import annotations

import numpy as np

from .tensor import _make


class Generator:
    """PyTorch's torch.Generator: a seedable source of random numbers (NumPy's PCG64 inside)."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = 67280421310721
        self.rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reseeds the generator with `seed` (an int) and returns it; the same seed gives the
        same numbers."""
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Reseeds the generator from fresh OS entropy and returns the new seed (a non-
        negative int < 2**63)."""
        return self.manual_seed(int(np.random.SeedSequence().entropy) % 2**63)._seed

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor (40 bytes), like torch.Generator.get_state()."""
        st = self.rng.bit_generator.state
        raw = (
            st["state"]["state"].to_bytes(16, "little")
            + st["state"]["inc"].to_bytes(16, "little")
            + int(st["has_uint32"]).to_bytes(4, "little")
            + int(st["uinteger"]).to_bytes(4, "little")
        )
        return _make(np.frombuffer(raw, dtype=np.uint8).copy(), None)

    def set_state(self, new_state) -> Generator:
        """Restores a state from get_state() (40 bytes, uint8) and returns the generator.

        Raises ValueError for a state of another length.
        """
        raw = bytes(np.asarray(new_state, dtype=np.uint8))
        if len(raw) != 40:
            raise ValueError(f"Generator.set_state: expected a 40-byte state, got {len(raw)} bytes")
        self.rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[0:16], "little"),
                "inc": int.from_bytes(raw[16:32], "little"),
            },
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seeds the global generator (ember.rand, randn, init, dropout, DataLoader shuffling...) and
    returns it.
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seeds the global generator from OS entropy and returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state as a uint8 tensor (40 bytes), for set_rng_state."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restores the global generator's state from get_rng_state()'s tensor.

    Raises ValueError for a state of the wrong length.
    """
    default_generator.set_state(new_state)


def rng_of(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).rng
