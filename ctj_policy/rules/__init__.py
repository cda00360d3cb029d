"""The CTJ rules, one small module each.  Standard library only.

``ALL_RULES`` is built from an explicit list, in ID order, so adding a rule is
a deliberate edit here (and in SPEC section 4).
"""

from __future__ import annotations

import importlib

from .base import Rule

# the rule modules, in ID order: adding a rule is a deliberate edit here (and in SPEC section 4)
_MODULE_NAMES = (
    "ctj001", "ctj002", "ctj003", "ctj004",
    "ctj010", "ctj011", "ctj012",
    "ctj020", "ctj021", "ctj022", "ctj023", "ctj024", "ctj025", "ctj026", "ctj027",
    "ctj030", "ctj031", "ctj032",
)  # fmt: skip
_MODULES = tuple(importlib.import_module(f"{__name__}.{name}") for name in _MODULE_NAMES)

ALL_RULES: tuple[Rule, ...] = tuple(sorted((m.RULE for m in _MODULES), key=lambda r: r.id))
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}


def get_rule(rule_id: str) -> Rule:
    """The rule with ``rule_id`` (case-insensitive); KeyError when there is none."""
    try:
        return RULES_BY_ID[rule_id.strip().upper()]
    except (KeyError, AttributeError):
        raise KeyError(f"no rule {rule_id!r} (known: {', '.join(RULES_BY_ID)})") from None


__all__ = ["ALL_RULES", "RULES_BY_ID", "Rule", "get_rule"]
