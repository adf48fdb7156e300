"""Ctrl-C (SIGINT) and SIGTERM as a request to stop at the next safe point.

A training step is never cut in half: the handler only raises a flag, which the training loop
checks between batches; it then saves a checkpoint and returns. The handler also restores the
previous handler, so a second Ctrl-C interrupts at once (the checkpoint on disk stays intact:
writes are atomic).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["StopRequest"]


class StopRequest:
    """Context manager that catches SIGINT and SIGTERM while active (in the main thread)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def requested(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        """The shell's status for death by this signal: 130 for Ctrl-C."""
        return 128 + (self.signum or signal.SIGINT)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        signal.signal(signum, self._previous[signum])

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():  # signals need the main thread
            for s in self.SIGNALS:
                previous = signal.signal(s, self._handle)
                # None: a handler installed outside Python, which cannot be reinstalled from here
                self._previous[s] = signal.SIG_DFL if previous is None else previous
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()
