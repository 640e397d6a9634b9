"""rolecheck: domain logic for the IAM-role-and-STS compliance suite.

The steps, fixtures and the suite's own tests all share this package, so every rule lives in one place.
"""

__version__ = "0.1.0"
