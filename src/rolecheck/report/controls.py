"""Controls a scenario evidences, each with the framework version its item number belongs to.

A ``@control:<FAMILY>-<item>`` tag names an item of one framework version: CIS renumbers its AWS Foundations
Benchmark between versions (v3.0.0's 1.16 is not v5.0.0's), so an item without its version is not a reference.
``MAPPED`` is what the suite's own feature files claim, each entry justified in docs/report.md; a test keeps the
feature files' tags within it. A project's own features may name any item of these families.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tag family -> (Allure link type, whose --allure-link-pattern makes the URL; the framework and its version).
FAMILIES = {
    "NIST": ("nist", "NIST SP 800-53 rev. 5"),
    "CIS": ("cis", "CIS AWS Foundations Benchmark v3.0.0"),
}


@dataclass(frozen=True)
class Control:
    """One framework item: the tag's id (``NIST-AC-6``), its framework with version, its item and title."""

    tag: str
    title: str

    @property
    def family(self) -> str:
        return self.tag.partition("-")[0]

    @property
    def item(self) -> str:
        return self.tag.partition("-")[2]

    @property
    def framework(self) -> str:
        return FAMILIES[self.family][1]

    @property
    def reference(self) -> str:
        """How an auditor cites it: ``NIST SP 800-53 rev. 5 AC-6``."""
        return f"{self.framework} {self.item}"


MAPPED = {c.tag: c for c in (
    Control("NIST-AC-6", "Least Privilege"),
    Control("NIST-AC-2", "Account Management"),
    Control("NIST-AC-12", "Session Termination"),
    Control("CIS-1.15", "Ensure IAM Users Receive Permissions Only Through Groups"),
    Control("CIS-1.16", 'Ensure IAM policies that allow full "*:*" administrative privileges are not attached'),
)}


def control(tag: str) -> Control | None:
    """The control a ``control:`` tag value names (``None`` when its family is not one of ``FAMILIES`` or it has
    no item); an item outside ``MAPPED`` has no title."""
    family, _, item = tag.partition("-")
    if family not in FAMILIES or not item:
        return None
    return MAPPED.get(tag) or Control(tag, "")
