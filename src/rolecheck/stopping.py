"""Stopping on SIGTERM and SIGHUP the way Ctrl-C stops: the scenario's teardown, the end-of-run sweep, a last line.

CI runners cancel a job with SIGINT and then SIGTERM a few seconds later, container runtimes stop with SIGTERM, and
a closed terminal sends SIGHUP. Python turns only SIGINT into ``KeyboardInterrupt``, which pytest answers with the
fixtures' teardown and ``pytest_sessionfinish``; the other two would end the process on the spot and leave the
run's resources behind. So every process of a run (the xdist controller and each worker) handles all three:

- the first signal stops the run (``on_first``: a ``KeyboardInterrupt`` where the scenarios run, a graceful
  shutdown of the workers in an xdist controller);
- the next one only says that the clean-up is still going on: a CI runner's SIGTERM after its SIGINT must not cut
  the teardown short;
- one more abandons the clean-up, for a person who really means it; the note said how to sweep afterwards.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class GracefulStop:
    """Handles ``SIGNALS`` in this process until ``restore``; see the module's docstring for the three steps."""

    def __init__(self, on_first: Callable[[int], None], note: Callable[[str], None], run_id: str) -> None:
        self.on_first = on_first
        self.note = note
        self.run_id = run_id
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def install(self) -> bool:
        """Install the handlers; False where signals cannot be handled (not the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return True

    def restore(self) -> None:
        """Put back the handlers that were there before ``install``."""
        while self._previous:
            signum, handler = self._previous.popitem()
            signal.signal(signum, handler)

    @property
    def first_signal(self) -> str | None:
        """The name of the signal that stopped the run, if one did."""
        return name(self.received[0]) if self.received else None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) == 1:
            self.on_first(signum)
        elif len(self.received) == 2:
            self.note(f"rolecheck: {name(signum)} received while cleaning up run {self.run_id}; "
                      "the clean-up goes on (signal once more to abandon it, then run "
                      f"`rolecheck sweep --run-id {self.run_id}`)")
        else:
            raise KeyboardInterrupt


def name(signum: int) -> str:
    """``SIGTERM`` for 15."""
    return signal.Signals(signum).name


def interrupt(signum: int) -> None:
    """What Ctrl-C does: raise ``KeyboardInterrupt`` where the main thread is."""
    raise KeyboardInterrupt(f"{name(signum)} received")
