"""What a rule is.  Standard library only.

A rule is a small module exposing ``RULE``: an ID, a title, a severity, the
rationale (citing the decision), a remediation, and ``check``: a pure function
of the :class:`~ctj_policy.model.Deployment` and the
:class:`~ctj_policy.config.Config` that yields :class:`~ctj_policy.model.Finding`.
Rules never see JSON or HCL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..config import Config
from ..model import Deployment, Finding

Check = Callable[[Deployment, Config], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str  # "error" | "warning"
    rationale: str
    remediation: str
    check: Check
    # documentation anchor, e.g. docs/rules.md#ctj001
    link: str = ""

    @property
    def doc_link(self) -> str:
        return self.link or f"docs/rules.md#{self.id.lower()}"
