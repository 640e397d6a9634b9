"""moto supplies the state, the rolecheck engine supplies every authorization decision.

``install()`` replaces moto's IAM enforcement with the engine for every request, in-process (``mock_aws``) and
in a ``ThreadedMotoServer`` running in the same process.
"""

from .authorizer import DecisionRecord, decisions, last_decision_for
from .bootstrap import bootstrap_admin
from .errors import MotoInternalsChanged
from .hooks_check import check_moto_internals
from .patches import install, installed, is_installed, uninstall
from .root import bootstrap_root, remove_root

__all__ = [
    "DecisionRecord",
    "MotoInternalsChanged",
    "bootstrap_admin",
    "bootstrap_root",
    "check_moto_internals",
    "decisions",
    "install",
    "installed",
    "is_installed",
    "last_decision_for",
    "remove_root",
    "uninstall",
]
