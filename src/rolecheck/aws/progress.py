"""Progress a person can see: during a wait of over a second, one line saying what it waits for and for how long.

``waiting(what)`` around a wait starts a daemon timer: after ``AFTER`` seconds it writes ``rolecheck: waiting 3 s
for <what>`` to the configured sink, then at most one line every ``EVERY`` seconds, until the wait ends. Without a
sink (``configure(None)``: pytest's ``-q``, the default) it is silent. The pytest plugin points the sink at a
duplicate of stderr taken before output capture starts, as ``rolecheck.stopping`` does for its notes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

AFTER, EVERY = 1.0, 5.0
Sink = Callable[[str], None]

_state: dict[str, Sink | None] = {"sink": None}


def configure(sink: Sink | None) -> None:
    """Where progress lines go from now on in this process; None for silence."""
    _state["sink"] = sink


@contextmanager
def waiting(what: str | Callable[[], str], *, after: float | None = None, every: float | None = None,
            sink: Sink | None = None, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Say what is waited for (``what``, or ``what()`` for a description that changes) once the wait has lasted
    ``after`` seconds, then every ``every`` seconds; nothing for a shorter wait or without a sink."""
    # Read at each wait, not at import: the module's thresholds are the process's setting.
    after = AFTER if after is None else after
    every = EVERY if every is None else every
    out = sink or _state["sink"]
    if out is None:
        yield
        return
    done = threading.Event()
    started = clock()

    def say() -> None:
        if done.wait(after):
            return
        while True:
            described = what() if callable(what) else what
            out(f"rolecheck: waiting {clock() - started:.0f} s for {described}")
            if done.wait(every):
                return

    timer = threading.Thread(target=say, name="rolecheck-progress", daemon=True)
    timer.start()
    try:
        yield
    finally:
        done.set()
        timer.join()
