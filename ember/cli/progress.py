"""tqdm progress bars for training and scoring, counted in images so the rate reads img/s."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm

__all__ = ["fresh_line", "progress_bar"]

# Columns a bar leaves free at the right: the terminal echoes Ctrl-C as "^C" after it, and an echo
# that wrapped onto the next line would leave the bar standing above the interrupt message.
_ECHO_ROOM = 3


def progress_bar(total: int, desc: str, show: bool | None, initial: int = 0) -> tqdm:
    """A bar over `total` images on stderr; `show=None` shows it only on a terminal."""
    try:
        ncols = max(os.get_terminal_size(sys.stderr.fileno()).columns - _ECHO_ROOM, 20)
    except (OSError, ValueError, AttributeError):  # not a terminal, or no real file
        ncols = None
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="img",
        leave=False,
        ncols=ncols,
        file=sys.stderr,
        disable=None if show is None else not show,
    )


def fresh_line() -> None:
    """On a terminal, wipe what a closed bar left on the current line (the echoed "^C"), so that
    a message printed next starts clean at its beginning."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
