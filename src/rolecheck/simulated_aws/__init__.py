"""AWS-like conditions on the moto targets: per-service latency, IAM's eventual consistency, throttling, faults.

One option (``--aws-conditions default[,seed=N,...]``, see ``profile``) puts a seeded profile in force at the
moto adapter's hook, for in-process moto and the moto server alike, so that the suite meets offline what a real
account does to it: waiting, stale decisions right after a change, and retries.
"""

from .injector import Conditions, DroppedConnection, Stats, active, install, uninstall
from .profile import PROFILES, Profile, parse

__all__ = ["PROFILES", "Conditions", "DroppedConnection", "Profile", "Stats", "active", "install", "parse",
           "uninstall"]
