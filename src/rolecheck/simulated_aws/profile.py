"""What an AWS-conditions profile says: latency per service, IAM's propagation lag, throttling and transient faults.

Every default below is either taken from an AWS page (cited) or an assumption (marked ASSUMPTION): AWS publishes
no latency figures, no propagation bound and no IAM request-rate quota, so those numbers are ours, chosen to be in
the range that real runs show and that the issue asks for ("tens of milliseconds", "a few seconds").

The option is one string: a profile name, then ``knob=value`` pairs, comma-separated, e.g.
``default``, ``default,seed=7``, ``default,lag=0.5-2,throttle=0.05``. ``seed`` makes a run replayable; without it
a seed is drawn and printed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from rolecheck.errors import TargetError

# ASSUMPTION: median per-call latency in seconds. IAM is a global service served from one region, so it is slower
# than STS (regional endpoint) and S3.
DEFAULT_LATENCY = MappingProxyType({"iam": 0.060, "sts": 0.025, "s3": 0.020, "*": 0.030})
# ASSUMPTION: spread of the log-normal latency; a call never takes more than LATENCY_CAP x its median.
LATENCY_SIGMA = 0.4
LATENCY_CAP = 5.0

# IAM is eventually consistent: a change "might not be immediately visible" to authorization and STS
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
# ASSUMPTION: the lag of one change is drawn uniformly from this range; AWS gives no bound, "a few seconds" is the
# usual observation.
DEFAULT_LAG = (1.0, 4.0)

# Throttling answers, as each service sends them:
# IAM and STS: "Throttling: Rate exceeded, status code: 400"
#   (https://repost.aws/knowledge-center/iam-sts-throttling-error);
# S3: 503 "SlowDown" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html,
#   https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html);
# EC2: 503 "RequestLimitExceeded" (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
THROTTLE_ERRORS = MappingProxyType({
    "iam": ("Throttling", "Rate exceeded", 400),
    "sts": ("Throttling", "Rate exceeded", 400),
    "s3": ("SlowDown", "Please reduce your request rate.", 503),
    "ec2": ("RequestLimitExceeded", "Request limit exceeded.", 503),
    "*": ("Throttling", "Rate exceeded", 400),
})
# ASSUMPTION: the share of calls throttled. The suite's own rate (tens of calls per second) is far below the
# published quotas (STS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ;
# S3: 3,500 writes / 5,500 reads per second per prefix); on a shared account the quota is spent by everyone, so
# throttling arrives at random. IAM's control plane has the lowest rates.
DEFAULT_THROTTLE = MappingProxyType({"iam": 0.02, "sts": 0.01, "s3": 0.01, "*": 0.01})

# Transient faults, as AWS's common errors name them: InternalFailure (500) and ServiceUnavailable (503)
# (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html; S3: InternalError 500,
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), and connections dropped before an answer.
# ASSUMPTION: their rates. The SDKs retry all three (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
DEFAULT_FAULT = 0.005
DEFAULT_DROP = 0.002
FAULT_ERRORS = MappingProxyType({
    "s3": (("InternalError", "We encountered an internal error. Please try again.", 500),
           ("ServiceUnavailable", "Please reduce your request rate.", 503)),
    "*": (("InternalFailure", "The request processing has failed because of an unknown error.", 500),
          ("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503)),
})


@dataclass(frozen=True)
class Profile:
    """One set of AWS-like conditions; ``seed`` makes every draw of a run replayable."""

    name: str
    seed: int
    latency: Mapping[str, float] = field(default_factory=lambda: DEFAULT_LATENCY)
    lag: tuple[float, float] = DEFAULT_LAG
    throttle: Mapping[str, float] = field(default_factory=lambda: DEFAULT_THROTTLE)
    fault: float = DEFAULT_FAULT
    drop: float = DEFAULT_DROP

    @property
    def max_lag(self) -> float:
        """The longest an IAM change can stay invisible: how long a suite must wait before trusting a refusal."""
        return self.lag[1]

    @property
    def consistency_budget(self) -> float:
        """The consistency budget under this profile: enough backoff steps to outlast the longest lag, with room to
        spare (``rolecheck.aws.consistency.configure``)."""
        return max(10.0, 3 * self.max_lag)

    def latency_of(self, service: str) -> float:
        return self.latency.get(service, self.latency["*"])

    def throttle_of(self, service: str) -> float:
        return self.throttle.get(service, self.throttle["*"])

    def describe(self) -> str:
        """One line: the profile with every knob, so that a run can be replayed from its output."""
        latency = ", ".join(f"{service} {seconds * 1000:.0f} ms" for service, seconds in self.latency.items())
        throttle = ", ".join(f"{service} {share:.1%}" for service, share in self.throttle.items())
        return (f"{self.name} (seed={self.seed}): latency median {latency}; IAM lag {self.lag[0]:g}-{self.lag[1]:g} s; "
                f"throttled {throttle}; faults {self.fault:.1%}; dropped connections {self.drop:.1%}")

    def option(self) -> str:
        """The option value that replays this profile."""
        return f"{self.name},seed={self.seed}"


PROFILES = ("default", "calm")


def _base(name: str, seed: int) -> Profile:
    if name == "default":
        return Profile(name, seed)
    if name == "calm":
        # Latency and lag only: for tests of the lag that must not be disturbed by retries.
        return Profile(name, seed, throttle=MappingProxyType({"*": 0.0}), fault=0.0, drop=0.0)
    raise TargetError(f"unknown AWS-conditions profile {name!r}; choose one of: {', '.join(PROFILES)}")


def _share(knob: str, value: str) -> float:
    number = _number(knob, value)
    if not 0 <= number < 1:
        raise TargetError(f"AWS conditions: {knob} must be a share between 0 and 1, not {value!r}")
    return number


def _number(knob: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise TargetError(f"AWS conditions: {knob} must be a number, not {value!r}") from None
    if number < 0 or not math.isfinite(number):
        raise TargetError(f"AWS conditions: {knob} must be a finite number, not negative, not {value!r}")
    return number


def _range(knob: str, value: str) -> tuple[float, float]:
    low, sep, high = value.partition("-")
    bounds = (_number(knob, low), _number(knob, high if sep else low))
    if bounds[0] > bounds[1]:
        raise TargetError(f"AWS conditions: {knob} range {value!r} runs backwards")
    return bounds


def parse(text: str, default_seed: int | None = None) -> Profile:
    """A profile from the option's text; one ``TargetError`` line for anything malformed."""
    name, *knobs = [part.strip() for part in text.split(",")]
    pairs: dict[str, str] = {}
    for knob in knobs:
        key, sep, value = knob.partition("=")
        if not sep or not value:
            raise TargetError(f"AWS conditions: expected knob=value, not {knob!r}")
        pairs[key] = value
    seed_text = pairs.pop("seed", None)
    if seed_text is not None and not seed_text.isdigit():
        raise TargetError(f"AWS conditions: seed must be a whole number, not {seed_text!r}")
    seed = int(seed_text) if seed_text is not None else (
        default_seed if default_seed is not None else random.SystemRandom().randrange(1, 10**6))
    profile = _base(name, seed)
    for key, value in pairs.items():
        if key == "lag":
            profile = replace(profile, lag=_range(key, value))
        elif key == "latency":
            scale = _number(key, value)
            profile = replace(profile, latency=MappingProxyType(
                {service: seconds * scale for service, seconds in profile.latency.items()}))
        elif key == "throttle":
            profile = replace(profile, throttle=MappingProxyType({"*": _share(key, value)}))
        elif key in ("fault", "drop"):
            profile = replace(profile, **{key: _share(key, value)})
        else:
            raise TargetError(f"AWS conditions: unknown knob {key!r}; known: seed, lag, latency, throttle, fault, drop")
    return profile
