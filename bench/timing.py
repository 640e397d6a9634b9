"""Repeated measurements reduced to medians: the machines here are noisy, so one sample says little."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Samples of one measurement, in seconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_json(self) -> dict[str, Any]:
        return {"median_s": round(self.median, 6), "samples_s": [round(s, 6) for s in self.samples]}


def measure(action: Callable[[], Any], repeat: int) -> Timing:
    """Run ``action`` ``repeat`` times and keep each wall time."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return Timing(tuple(samples))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator/denominator, or None when the denominator is not positive."""
    return round(numerator / denominator, 3) if denominator > 0 else None
