"""Which failing results follow from another: the link from a consequence to its cause.

When the CTJ task has no backend container, CTJ001 fails, and so does every
rule that needs a backend (CTJ022 "has no backend container: the backend
cannot be checked", CTJ032, ...).  Those results are true, but they are one
problem: this module links each of them to the rule that reports the missing
prerequisite (``Result.caused_by``), so reporters can show them once, under
their cause.  Statuses, severities and the exit code are not touched.

Decided from structured data only, never from message text or names:

* a rule declares what it ``needs`` and what it ``provides`` (its report is
  the one about that prerequisite missing), in :mod:`ctj_policy.rules.base`;
* the deployment says which prerequisites are missing (the same
  :mod:`ctj_policy.queries` questions the rules ask);
* a result's :class:`~ctj_policy.model.Subject` says whether it is about the
  missing thing (the task as a whole, the absent task or service, a role's
  load balancer slot with no container) rather than about something present
  (a container, a variable, a route, a repository).

A result follows from a cause when its rule needs a prerequisite that is
missing, its subject is one that absence is reported on, and the provider
of that prerequisite has a failing or undecided result of its own.  Chains
resolve to the first cause (no task -> CTJ011 cannot find the service ->
CTJ026: all follow from CTJ001).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from . import queries
from .model import FAIL, UNKNOWN, Deployment, Result, Service, Subject, Unknown
from .rules.base import (
    NEED_BACKEND,
    NEED_CONTAINERS,
    NEED_DATABASE,
    NEED_FRONTEND,
    NEED_SERVICE,
    NEED_TASK,
    Rule,
)

ROLE_NEEDS = (NEED_FRONTEND, NEED_BACKEND, NEED_DATABASE)
# what a declared need implies: a role's container needs the container list, which needs the task
_IMPLIES = {
    NEED_TASK: (),
    NEED_CONTAINERS: (NEED_TASK,),
    NEED_SERVICE: (NEED_TASK,),
    **dict.fromkeys(ROLE_NEEDS, (NEED_CONTAINERS, NEED_TASK)),
}
# the order in which a result's subject is matched against missing prerequisites: the most basic first
_ORDER = (NEED_TASK, NEED_CONTAINERS, *ROLE_NEEDS, NEED_SERVICE)


def expand(needs: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for need in needs:
        out.add(need)
        out.update(_IMPLIES.get(need, ()))
    return out


def missing(deployment: Deployment, config: Any) -> dict[str, set[Subject]]:
    """Each prerequisite the deployment lacks (or cannot be shown to have) -> the subjects a rule
    that needs it reports that absence on."""
    task = queries.ctj_task(deployment, config)
    if task is None:
        no_task = {Subject("task", "")}
        return dict.fromkeys(_ORDER, no_task)
    whole_task = Subject("task", task.address)
    out: dict[str, set[Subject]] = {}
    service = queries.ctj_service(deployment, config, task)
    if queries.containers_unknown(task) is not None:
        about = {whole_task}
        if isinstance(service, Service):  # "cannot match the load_balancer blocks of the service to containers"
            about.add(Subject("service", service.address))
        out[NEED_CONTAINERS] = about
        for role in ROLE_NEEDS:
            out[role] = about | {Subject("attachment", role)}
    else:
        for role in ROLE_NEEDS:
            found = queries.role_container(task, role, deployment, config)
            if found is None or isinstance(found, Unknown):
                out[role] = {whole_task, Subject("attachment", role)}
    if service is None or isinstance(service, Unknown):
        out[NEED_SERVICE] = {whole_task, Subject("service", "")}
    return out


def link(results: Sequence[Result], deployment: Deployment, config: Any, rules: Sequence[Rule]) -> list[Result]:
    """``results`` with ``caused_by`` set on every consequence (the others unchanged, same order)."""
    absent = missing(deployment, config)
    if not absent:
        return list(results)
    provider: dict[str, str] = {}
    for rule in rules:
        for need in rule.provides:
            provider.setdefault(need, rule.id)
    needs = {rule.id: expand(rule.needs) for rule in rules}
    failing = {r.rule_id for r in results if r.status in (FAIL, UNKNOWN)}

    direct: dict[int, str] = {}
    for i, r in enumerate(results):
        if r.status not in (FAIL, UNKNOWN) or r.subject is None:
            continue
        for need in _ORDER:
            cause = provider.get(need)
            if (
                need in needs.get(r.rule_id, ())
                and need in absent
                and r.subject in absent[need]
                and cause is not None
                and cause != r.rule_id
                and cause in failing
            ):
                direct[i] = cause
                break

    # a cause whose every failing result follows from another rule is not a cause of its own
    standing = {r.rule_id for i, r in enumerate(results) if r.status in (FAIL, UNKNOWN) and i not in direct}
    upstream = {results[i].rule_id: cause for i, cause in sorted(direct.items())}

    def root(cause: str) -> str:
        seen = {cause}
        while cause not in standing and cause in upstream and upstream[cause] not in seen:
            cause = upstream[cause]
            seen.add(cause)
        return cause

    return [replace(r, caused_by=root(direct[i])) if i in direct else r for i, r in enumerate(results)]
