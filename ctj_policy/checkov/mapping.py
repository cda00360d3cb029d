"""Checkov IDs <-> CTJ rules: one ``CKV_CTJ_<nnn>`` check per rule, derived from the rule itself.

Nothing here lists rules: ``CHECK_MAP``, ``CTJ_TASK_RULES`` and
``CTJ_SERVICE_RULES`` are computed from each rule's metadata in
:data:`ctj_policy.rules.ALL_RULES` (``checkov_id``, ``resource_types``,
``applies_to``, ``checkov``), so adding a rule module adds its Checkov check
with no edit in this package.  ``docs/checkov.md`` embeds
:func:`mapping_table_markdown` (a test keeps them equal).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ..rules import ALL_RULES, RULES_BY_ID
from ..rules.base import CTJ_SERVICE, CTJ_TASK


@dataclass(frozen=True)
class CheckSpec:
    """One Checkov check: its ID, the CTJ rule it runs, what it can see.

    ``resources``/``data``: the resource / data-source types (fnmatch
    patterns, as Checkov accepts) the check is registered for; empty when
    the rule reports on no resource type.  ``yaml``: the Checkov YAML graph
    policy (in ``ctj_policy/checkov/checks/``) that expresses (part of) the
    rule, when one does.  ``note``: what a per-resource check cannot see, for
    the docs.
    """

    check_id: str
    rule_id: str
    resources: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    yaml: str = ""
    note: str = ""
    hcl: tuple[str, ...] | None = None  # the types judged in HCL mode (None: all of ``resources``)

    @property
    def python(self) -> bool:
        return bool(self.resources or self.data)

    @property
    def hcl_resources(self) -> tuple[str, ...]:
        """What a check judges alone in HCL mode (per resource); the rest of ``resources`` is plan mode only."""
        return self.resources if self.hcl is None else self.hcl

    def registered(self, resource_type: str) -> bool:
        return any(fnmatch.fnmatchcase(resource_type, t) for t in self.resources)


def _spec(rule) -> CheckSpec:
    notes = rule.checkov
    return CheckSpec(
        rule.checkov_id, rule.id, tuple(rule.resource_types), notes.data, notes.yaml, notes.note, notes.hcl
    )


# one Checkov check per rule that names its Checkov ID (ctj_policy/rules/ctjNNN.py: RULE); the rules that judge
# a deploy workflow (needs_workflow: CTJ040-CTJ044) have none: Checkov reads Terraform, never the workflow
CHECK_MAP: tuple[CheckSpec, ...] = tuple(_spec(r) for r in ALL_RULES if r.checkov_id)
NO_CHECKOV_RULES: tuple[str, ...] = tuple(r.id for r in ALL_RULES if not r.checkov_id)
BY_CHECK_ID = {s.check_id: s for s in CHECK_MAP}
BY_RULE_ID = {s.rule_id: s for s in CHECK_MAP}

# the rules with a check that judge THE CTJ task only (queries.ctj_task / role_scope), or only the service running
# it: a check on another task definition / service reports nothing, as ctj-policy says nothing about it (the
# lockstep rules judge a workflow against the CTJ task or service too, but have no check)
CTJ_TASK_RULES = frozenset(r.id for r in ALL_RULES if r.checkov_id and r.applies_to == CTJ_TASK)
CTJ_SERVICE_RULES = frozenset(r.id for r in ALL_RULES if r.checkov_id and r.applies_to == CTJ_SERVICE)


def mapping_table_markdown() -> str:
    """The docs table (docs/checkov.md embeds it verbatim; a test keeps them equal)."""
    lines = [
        "| Checkov ID | CTJ rule | title | Checkov check | resource types (plan mode) "
        "| HCL mode (per resource) | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in CHECK_MAP:
        rule = RULES_BY_ID[s.rule_id]
        kinds = []
        if s.python:
            kinds.append("Python")
        if s.yaml:
            kinds.append(f"YAML (`ctj_policy/checkov/checks/{s.yaml}`)")
        types = ", ".join(f"`{t}`" for t in s.resources)
        hcl = ", ".join(f"`{t}`" for t in s.hcl_resources) if s.hcl is not None else "same"
        if s.data:
            hcl += ", data " + ", ".join(f"`{t}`" for t in s.data)
        lines.append(
            f"| {s.check_id} | {s.rule_id} | {rule.title} | {' + '.join(kinds) or '-'} | {types or '-'} "
            f"| {hcl or '- (plan mode only)'} | {s.note or '-'} |"
        )
    if NO_CHECKOV_RULES:
        lines += ["", f"No Checkov check for {', '.join(NO_CHECKOV_RULES)}: they judge the deploy workflow given with "
                  "`ctj-policy check --workflow`, which Checkov does not read (ctj-policy only)."]
    return "\n".join(lines) + "\n"


__all__ = [
    "BY_CHECK_ID",
    "BY_RULE_ID",
    "CHECK_MAP",
    "NO_CHECKOV_RULES",
    "CTJ_SERVICE_RULES",
    "CTJ_TASK_RULES",
    "CheckSpec",
    "mapping_table_markdown",
]
