"""Moving the clock on targets that run in this process, so expiry is checked without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine


class Clock:
    """Travels forward in time for the rest of a scenario; ``stop`` returns to the real time."""

    def __init__(self) -> None:
        self._traveller: time_machine.travel | None = None

    def advance_past(self, moment: datetime, margin: timedelta = timedelta(seconds=1)) -> datetime:
        """Move the clock (and keep it ticking) to just after ``moment``; returns the new time."""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self.stop()
        destination = moment + margin
        self._traveller = time_machine.travel(destination, tick=True)
        self._traveller.start()
        return destination

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
