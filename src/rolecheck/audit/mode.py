"""Whether a pytest run is an audit: decided once, for the whole process and whatever it starts.

A run is an audit when ``--audit-mapping`` (or ``ROLECHECK_AUDIT_MAPPING``) names a file, or when the process
inherited ``ROLECHECK_READ_ONLY=1`` from ``rolecheck audit``. The latter cannot be undone by anything the run is
given: the client layer read it at import (``rolecheck.aws.clients``). A mapping option given but blank (a CI
variable that was never set) is bad input, not an ordinary run that deploys into the account it meant to audit.

Kept apart from the fixtures so that the target fixtures (read-only clients, no end-of-run sweep) and the
deployment fixture (no teardown) ask one function instead of repeating the option's name.
"""

from __future__ import annotations

from typing import Any

import pytest

from rolecheck.aws.clients import read_only_process

MAPPING_OPTION = "audit_mapping"
MAPPING_ENV = "ROLECHECK_AUDIT_MAPPING"


def enabled(config: Any) -> bool:
    """True when the run audits existing resources: it must write nothing.

    A blank ``--audit-mapping`` (or ``ROLECHECK_AUDIT_MAPPING``), and an inherited audit without a mapping, are a
    ``pytest.UsageError`` (one line, exit status 4).
    """
    given = config.getoption(MAPPING_OPTION, default=None)
    if given is not None and not str(given).strip():
        raise pytest.UsageError(f"rolecheck: --audit-mapping (or {MAPPING_ENV}) is empty: a blank variable? "
                                "An audit needs its mapping file, and an empty one would have turned it off")
    if read_only_process() and given is None:
        raise pytest.UsageError("rolecheck: this process is an audit (ROLECHECK_READ_ONLY=1, set by rolecheck audit) "
                                "but no --audit-mapping was given; it writes nothing, so it cannot run the suite")
    return given is not None or read_only_process()
