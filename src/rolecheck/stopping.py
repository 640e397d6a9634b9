"""Stopping on SIGTERM and SIGHUP the way Ctrl-C stops: the scenario's teardown, the end-of-run sweep, a last line.

CI runners cancel a job with SIGINT and then SIGTERM a few seconds later, container runtimes stop with SIGTERM, and
a closed terminal sends SIGHUP. Python turns only SIGINT into ``KeyboardInterrupt``, which pytest answers with the
fixtures' teardown and ``pytest_sessionfinish``; the other two would end the process on the spot and leave the
run's resources behind. So every process of a run (the xdist controller and each worker) handles all three, and
counts them as requests to stop:

- the first request stops the run (``on_first``: a ``KeyboardInterrupt`` where the scenarios run, a graceful
  shutdown of the workers in an xdist controller);
- the second only says that the clean-up is still going on: a CI runner's SIGTERM after its SIGINT must not cut
  the teardown short;
- the third abandons the clean-up, for a person who really means it; the note said how to sweep afterwards.

Only a signal from outside the run is a request. An xdist controller passes its first request on to its workers
(a ``kill`` of the controller alone would reach none), and Ctrl-C and CI runners signal the whole process group, so
a worker usually gets the group's signal *and* the controller's copy; counting the copy would make a CI runner's
later SIGTERM the third request. So a worker does not count one repeat of its first signal that arrives within
``COPY_WINDOW`` seconds of it: that is the copy. Every process then counts the signals the group got: SIGINT then
SIGTERM (GitHub Actions waits 7.5 s between them) is two requests everywhere and never abandons the clean-up;
Ctrl-C pressed three times does (a second press within the window is taken for the copy: press once more).
The copy is the same signal on purpose: delivered while the first is still pending, it merges with it. (A
distinct signal, SIGUSR1, was tried and, on a loaded machine, left a worker asleep in its scenario.)

The handlers do only what is safe while the main thread may be anywhere, say in the middle of a ``print``: they
record the signal, call ``on_first`` (which raises or signals, and writes nothing), and write the note with one
``os.write`` on a descriptor of their own. Buffered ``sys.stdout`` is not reentrant, and writing to it from a
handler can fail with ``RuntimeError: reentrant call`` in the middle of the teardown.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
# Long enough for a loaded machine to deliver the controller's copy, short next to a CI runner's 7.5 s.
COPY_WINDOW = 1.0


class GracefulStop:
    """Handles ``SIGNALS`` in this process until ``restore``; see the module's docstring.

    ``note_fd`` is where the second request is acknowledged: a duplicate, taken at ``install``, of a descriptor
    that reaches the person (the terminal before pytest captures it), or None to stay silent (an xdist worker,
    whose controller speaks for the run). ``worker``: an xdist worker, which expects the controller's copy.
    """

    def __init__(self, on_first: Callable[[int], None], run_id: str, note_fd: int | None = None,
                 worker: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
        self.on_first = on_first
        self.run_id = run_id
        self.requests: list[int] = []
        self.stopped_by: int | None = None
        self._expect_copy = worker
        self._clock = clock
        self._first_at = 0.0
        self._note_to = note_fd
        self._note_fd: int | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> bool:
        """Install the handlers; False where signals cannot be handled (not the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        if self._note_to is not None:
            self._note_fd = os.dup(self._note_to)
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return True

    def restore(self) -> None:
        """Put back the handlers that were there before ``install``."""
        while self._previous:
            signum, handler = self._previous.popitem()
            signal.signal(signum, handler)
        if self._note_fd is not None:
            os.close(self._note_fd)
            self._note_fd = None

    @property
    def first_signal(self) -> str | None:
        """The name of the signal that stopped the run, if one did."""
        return name(self.stopped_by) if self.stopped_by is not None else None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        now = self._clock()
        if self._expect_copy and self.requests and signum == self.stopped_by and now - self._first_at < COPY_WINDOW:
            self._expect_copy = False  # the controller's copy of the first request: there is only one
            return
        self.requests.append(signum)
        if len(self.requests) == 1:
            self.stopped_by, self._first_at = signum, now
            self.on_first(signum)
        elif len(self.requests) == 2:
            self._note(f"rolecheck: {name(signum)} received while cleaning up run {self.run_id}; the clean-up goes "
                       f"on (signal once more to abandon it, then run `rolecheck sweep --run-id {self.run_id}`)\n")
        else:
            raise KeyboardInterrupt(f"{name(signum)}, a third request to stop: the clean-up is abandoned")

    def _note(self, line: str) -> None:
        if self._note_fd is not None:
            # A closed terminal (SIGHUP) must not turn the acknowledgement into an error in the teardown.
            with contextlib.suppress(OSError):
                os.write(self._note_fd, line.encode())


def name(signum: int) -> str:
    """``SIGTERM`` for 15."""
    return signal.Signals(signum).name


def interrupt(signum: int) -> None:
    """What Ctrl-C does: raise ``KeyboardInterrupt`` where the main thread is."""
    raise KeyboardInterrupt(f"{name(signum)} received")
