"""Plan mode: ctj-policy's own evaluation of the whole plan file Checkov scans, and a check's verdict on one resource.

Checkov hands a plan-mode check one resource's ``planned_values``; the scope,
the values the plan marks sensitive, and every cross-resource rule need the
whole plan.  So the plan file is read once (per path, mtime, size, scope and
configuration) with ctj-policy's plan loader (``load_plan(validate=False)``:
no jsonschema in Checkov's environment), the engine runs every rule and
applies the waivers (``run_rules``, ``apply_waivers``) exactly as
``ctj-policy check`` does, and a check only picks the findings of its rule
about the resource it was handed (:func:`plan_verdict`).  Nothing here
decides an invariant.  A plan that cannot be read is a :class:`ChecksError`
(exit 2), never a silent "nothing to report".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..config import DEFAULT, Config, ConfigError
from ..engine import apply_waivers, run_rules
from ..loaders import InputError, build
from ..loaders.plan import load_plan
from ..loaders.plan import plan_facts as read_plan_facts
from ..model import UNKNOWN, Deployment, Service
from ..queries import ctj_service, ctj_task
from .mapping import BY_RULE_ID, CTJ_SERVICE_RULES, CTJ_TASK_RULES, CheckSpec
from .verdict import ChecksError, Verdict, belongs, verdict_of

SCOPE_ENV = "CTJ_POLICY_SCOPE"


def under(address: str, prefix: str) -> bool:
    """Is ``address`` inside the module prefix ``prefix`` ("" = everything)?"""
    return not prefix or (address.startswith(prefix) and address[len(prefix) : len(prefix) + 1] in (".", "["))


@dataclass(frozen=True)
class PlanFacts:
    """What a per-resource check needs from the whole plan file and Checkov's conf lacks."""

    scope: str  # ctj-policy's scope prefix ("" = the whole plan)
    sensitive: frozenset[str]  # the strings load_plan treats as sensitive
    ctj_task: str | None  # address of THE CTJ task (queries.ctj_task), when there is one
    ctj_service: str | None  # address of the service running it (queries.ctj_service)


@dataclass(frozen=True)
class PlanEvaluation:
    """ctj-policy's evaluation of a whole plan file (every rule, waivers applied), computed once per file."""

    facts: PlanFacts
    results: dict  # rule_id -> tuple[Result, ...] (waived results have status "waived")
    resources: tuple  # (address, type) of every in-scope resource Checkov can hand a check
    secrets: frozenset  # everything load_plan redacts


_plan_evaluations: dict[tuple, PlanEvaluation] = {}


def secrets_of(dep: Deployment, config: Config) -> set[str]:
    """What load_plan redacts: the plan's sensitive values and secret-looking env values."""
    return set(dep.redact) | set(build.secret_env_values(dep.task_definitions, config.is_secret_name))


def plan_evaluation(plan_path: str, config: Config = DEFAULT, option: str | None = None) -> PlanEvaluation:
    """The whole-plan evaluation of ``plan_path`` (cached per path, mtime, size, scope and configuration).

    ``option``: the scope (default: env CTJ_POLICY_SCOPE, else the configuration's).
    Raises :class:`ChecksError` (one line, no value from the plan) when the file
    cannot be read as a plan: the check then stops Checkov (exit 2).
    """
    option = (option if option is not None else os.environ.get(SCOPE_ENV, "")).strip() or config.scope
    path = os.path.abspath(plan_path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ChecksError(f"cannot read the plan Checkov scans ({path}): {exc.strerror or exc}") from None
    key = (path, st.st_mtime_ns, st.st_size, option, config)
    if key in _plan_evaluations:
        return _plan_evaluations[key]
    try:
        _doc, sensitive = read_plan_facts(path, config)
        loaded = load_plan(path, config, scope=option, validate=False)
    except (InputError, ConfigError, OSError, ValueError) as exc:
        raise ChecksError(f"{path}: {exc}") from None
    dep = loaded.deployment
    task = ctj_task(dep, config)
    service = ctj_service(dep, config, task) if task is not None else None
    facts = PlanFacts(
        loaded.info.scope,
        frozenset(sensitive),
        task.address if task is not None else None,
        service.address if isinstance(service, Service) else None,
    )
    secrets = frozenset(sensitive) | frozenset(secrets_of(dep, config))
    # expired waivers are reported by ctj-policy as separate rows, not as rule findings
    results: dict = {}
    for r in apply_waivers(run_rules(dep, config), [*config.waivers, *dep.waivers]).results:
        results.setdefault(r.rule_id, []).append(r)
    resources = {}
    for res in dep.all_resources():
        if res.type == "module" or getattr(res, "kind", "resource") == "data":
            continue  # module calls are no resources; plan-mode Checkov never hands a check a data source
        address = res.address.split(".ingress[", 1)[0] if res.type == "aws_security_group" else res.address
        resources[address] = res.type
    evaluation = PlanEvaluation(
        facts, {k: tuple(v) for k, v in results.items()}, tuple(sorted(resources.items())), secrets
    )
    if len(_plan_evaluations) > 64:
        _plan_evaluations.clear()
    _plan_evaluations[key] = evaluation
    return evaluation


def plan_facts(plan_path: str, config: Config = DEFAULT, option: str | None = None) -> PlanFacts:
    """The plan file's scope, sensitive strings, CTJ task and CTJ service (:func:`plan_evaluation`, cached)."""
    return plan_evaluation(plan_path, config, option).facts


def anchor(spec: CheckSpec, evaluation: PlanEvaluation) -> str | None:
    """The one resource a plan-mode check reports a rule's address-less findings on.

    THE CTJ ``aws_ecs_task_definition`` (``queries.ctj_task``) when the check is
    registered for task definitions, else (or when there is none) the CTJ
    ``aws_ecs_service`` (``queries.ctj_service``) when registered for services;
    None when neither is there (those findings then reach no Checkov check:
    ctj-policy only).
    """
    present = dict(evaluation.resources)
    for address in (evaluation.facts.ctj_task, evaluation.facts.ctj_service):
        if address and address in present and spec.registered(present[address]):
            return address
    return None


def orphaned(result, spec: CheckSpec, evaluation: PlanEvaluation) -> bool:
    """A finding no plan-mode check of ``spec`` would see on its own resource: no address, or one
    naming no resource the check is registered for (a module call, a data source, another type)."""
    return not any(belongs(result.address, a) for a, t in evaluation.resources if spec.registered(t))


def _subject(rule_id: str, resource_type: str, facts: PlanFacts) -> str | None:
    """The one resource of this type the rule judges in the plan (None: it judges every one).

    With several task definitions in scope (CTJ001 fails), the rules that judge
    THE CTJ task judge only it, and the CTJ-service rules only the service
    running it; a check on any other task/service reports nothing, as
    ctj-policy says nothing about it.
    """
    if rule_id in CTJ_TASK_RULES and resource_type == "aws_ecs_task_definition":
        return facts.ctj_task or ""
    if rule_id in CTJ_SERVICE_RULES and resource_type == "aws_ecs_service":
        return facts.ctj_service or ""
    return None


def plan_verdict(
    rule_id: str, address: str, resource_type: str, evaluation: PlanEvaluation, *, block_type: str = "resource"
) -> Verdict:
    """ctj-policy's verdict (whole plan, every rule, waivers) on the one resource Checkov hands a check.

    The findings of ``rule_id`` about ``address`` (:func:`belongs`), plus, on
    the :func:`anchor` resource, the findings about no resource the check can
    see (:func:`orphaned`): FAILED when any fails, not reported (UNKNOWN) when
    any is unknown, else PASSED.  Resources outside the CTJ scope, and tasks /
    services a CTJ-task rule does not judge, are not reported.
    """
    spec = BY_RULE_ID[rule_id]
    facts = evaluation.facts
    if block_type != "resource":
        return Verdict(UNKNOWN, reason="plan-mode Checkov hands no data source to a check")  # defensive
    if not under(address, facts.scope):
        return Verdict(UNKNOWN, reason=f"{address} is outside the CTJ scope")
    subject = _subject(rule_id, resource_type, facts)
    if subject is not None and subject != address:
        return Verdict(UNKNOWN, reason=f"{address} is not what ctj-policy's {rule_id} judges ({subject or 'nothing'})")
    results = evaluation.results.get(rule_id, ())
    mine = [r for r in results if belongs(r.address, address)]
    if address == anchor(spec, evaluation):
        mine += [r for r in results if orphaned(r, spec, evaluation)]
    return verdict_of(mine, evaluation.secrets)


__all__ = [
    "SCOPE_ENV",
    "PlanEvaluation",
    "PlanFacts",
    "anchor",
    "orphaned",
    "plan_evaluation",
    "plan_facts",
    "plan_verdict",
    "secrets_of",
    "under",
]
