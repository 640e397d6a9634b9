"""Whether a pytest run is an audit, read from its options.

Kept apart from the fixtures so that the target fixtures (read-only clients, no end-of-run sweep) and the
deployment fixture (no teardown) ask one function instead of repeating the option's name.
"""

from __future__ import annotations

from typing import Any

MAPPING_OPTION = "audit_mapping"


def enabled(config: Any) -> bool:
    """True when the run audits existing resources (``--audit-mapping``): it must write nothing."""
    return bool(config.getoption(MAPPING_OPTION, default=None))
