"""What a CKV_CTJ check concludes about the one resource Checkov hands it.  Standard library only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import FAIL, PASS, UNKNOWN, Finding
from ..redact import Redactor


class ChecksError(Exception):
    """The checks cannot do their job for this run (the plan Checkov scans cannot be located or read,
    a configuration error): the check stops Checkov with this one line and exit 2, never reports nothing."""


@dataclass
class Verdict:
    """pass/fail/unknown on one resource, with the findings behind it (Checkov: PASSED/FAILED/not reported)."""

    status: str  # PASS | FAIL | UNKNOWN
    findings: list = field(default_factory=list)  # Finding or Result
    reason: str = ""
    secrets: frozenset = frozenset()  # never shown: sensitive and secret-looking values

    @property
    def message(self) -> str:
        text = "; ".join(f.message for f in self.findings) if self.findings else self.reason
        return Redactor(self.secrets).text(text) or ""


def belongs(finding_address: str | None, address: str) -> bool:
    """Is a finding about ``address`` (or one of its parts, e.g. ``sg.ingress[0]``)?"""
    if not finding_address:
        return False
    return finding_address == address or finding_address.startswith((address + ".", address + "["))


def resource_status(findings: Iterable[Finding], address: str) -> str:
    """ctj-policy's verdict on one resource from a rule's findings on the WHOLE model:
    fail/unknown when a finding about the resource says so, else pass."""
    mine = [f for f in findings if belongs(f.address, address)]
    if any(f.status == FAIL for f in mine):
        return FAIL
    if any(f.status == UNKNOWN for f in mine):
        return UNKNOWN
    return PASS


def verdict_of(mine: list, secrets: frozenset) -> Verdict:
    """FAILED when any of ``mine`` fails, not reported (UNKNOWN) when any is unknown, else PASSED."""
    if any(f.status == FAIL for f in mine):
        return Verdict(FAIL, [f for f in mine if f.status == FAIL], secrets=secrets)
    if any(f.status == UNKNOWN for f in mine):
        return Verdict(UNKNOWN, [f for f in mine if f.status == UNKNOWN], secrets=secrets)
    return Verdict(PASS, [f for f in mine if f.status == PASS], secrets=secrets)


__all__ = ["ChecksError", "Verdict", "belongs", "resource_status", "verdict_of"]
