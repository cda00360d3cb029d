"""The CTJ rules, one small module each.  Standard library only.

``ALL_RULES`` holds the ``RULE`` of every ``ctjNNN.py`` module of this
package, in ID order: adding a rule is adding one module (and its row in
SPEC section 4).  Everything else that lists rules (the docs, the README
table, ``explain``, Checkov's check map, the tests) derives from it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from .base import Rule

_RULE_MODULE = re.compile(r"ctj\d{3}")


def _discover() -> tuple[Rule, ...]:
    rules = []
    for info in pkgutil.iter_modules(__path__):
        if not _RULE_MODULE.fullmatch(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise ImportError(f"{module.__name__} defines no RULE")
        if rule.id.lower() != info.name:
            raise ImportError(f"{module.__name__} defines {rule.id}; the module name must be its ID")
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


ALL_RULES: tuple[Rule, ...] = _discover()
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}
# the rules of the Terraform alone, and those that judge a deploy workflow with it (run only when one is given)
TERRAFORM_RULES: tuple[Rule, ...] = tuple(r for r in ALL_RULES if not r.needs_workflow)
WORKFLOW_RULES: tuple[Rule, ...] = tuple(r for r in ALL_RULES if r.needs_workflow)


def get_rule(rule_id: str) -> Rule:
    """The rule with ``rule_id`` (case-insensitive); KeyError when there is none."""
    try:
        return RULES_BY_ID[rule_id.strip().upper()]
    except (KeyError, AttributeError):
        raise KeyError(f"no rule {rule_id!r} (known: {', '.join(RULES_BY_ID)})") from None


__all__ = ["ALL_RULES", "RULES_BY_ID", "TERRAFORM_RULES", "WORKFLOW_RULES", "Rule", "get_rule"]
