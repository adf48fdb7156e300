"""tqdm progress bars for training and scoring, counted in images so the rate reads img/s."""

from __future__ import annotations

import sys

from tqdm import tqdm

__all__ = ["progress_bar"]


def progress_bar(total: int, desc: str, show: bool | None, initial: int = 0) -> tqdm:
    """A bar over `total` images on stderr; `show=None` shows it only on a terminal."""
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="img",
        leave=False,
        dynamic_ncols=True,
        file=sys.stderr,
        disable=None if show is None else not show,
    )
