"""Run the rules over a model, apply waivers, and decide the exit code.

Input-agnostic: it sees a Deployment and a Config, never JSON or HCL.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .causes import link as link_causes
from .config import Config, WaiverSpec, parse_expiry
from .model import ERROR, FAIL, PASS, UNKNOWN, WAIVED, WARNING, Deployment, Finding, Result, Subject
from .queries import unevaluated_deploying
from .redact import Redactor
from .rules import ALL_RULES
from .rules.base import CTJ_SERVICE, CTJ_TASK, SERVICE, TASK, Rule


@dataclass
class Evaluation:
    results: list[Result]
    expired_waivers: list[WaiverSpec] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "unknown": 0, "waived": 0}
        for r in self.results:
            out[r.status] += 1
        return out

    def exit_code(self, *, allow_unknown: bool = False, fail_on: str = ERROR) -> int:
        severities = {ERROR, WARNING} if fail_on == WARNING else {ERROR}
        for r in self.results:
            if r.severity not in severities or r.baseline == "unchanged":
                continue
            if r.status == FAIL or (r.status == UNKNOWN and not allow_unknown):
                return 1
        return 0


def run_rules(deployment: Deployment, config: Config, rules: Sequence[Rule] | None = None) -> list[Result]:
    """Every rule's results; a rule that judges a deploy workflow runs only when one is given (SPEC section 11)."""
    out: list[Result] = []
    for rule in rules if rules is not None else ALL_RULES:
        if rule.needs_workflow and not deployment.workflows:
            continue
        findings = list(rule.check(deployment, config))
        if not findings:  # every rule reports at least one result
            raise AssertionError(f"rule {rule.id} produced no result")
        findings = not_evaluated(rule, findings, deployment)
        for f in findings:
            out.append(
                Result(
                    rule_id=rule.id,
                    title=rule.title,
                    severity=rule.severity,
                    status=f.status,
                    message=f.message,
                    address=f.address,
                    location=f.location,
                    subject=f.subject,
                )
            )
    return out


def rule_needs(rule: Rule) -> tuple[str, ...]:
    """The resource types a rule's verdict depends on: those it reports on, the data sources it reads, and
    the CTJ task (and service) for the rules that judge them through their containers."""
    needs = list(rule.resource_types) + list(rule.checkov.data)
    if rule.applies_to in (CTJ_TASK, CTJ_SERVICE):
        needs += TASK
    if rule.applies_to == CTJ_SERVICE:
        needs += SERVICE
    return tuple(needs)


def not_evaluated(rule: Rule, findings: list[Finding], deployment: Deployment) -> list[Finding]:
    """A rule cannot pass while a module call in scope that may deploy what it judges was not evaluated
    (its source not read): its passes become one ``unknown`` per such module, located at the module call.
    Failures and unknowns found in what was evaluated stand."""
    if not deployment.unevaluated_modules or all(f.status != PASS for f in findings):
        return findings
    blocking = unevaluated_deploying(deployment, rule_needs(rule))
    if not blocking:
        return findings
    out = [f for f in findings if f.status != PASS]
    for module, types in blocking:
        out.append(
            Finding(
                UNKNOWN,
                f"cannot pass while {module.address} is not evaluated: {module.reason}; it may deploy what "
                f"{rule.id} judges ({', '.join(types)}); make its source readable (a local path) or check the plan "
                "JSON, which holds its resources",
                address=module.address,
                location=module.location,
                subject=Subject("block", module.address),
            )
        )
    return out


def _waiver_matches(w, result: Result) -> bool:
    if w.rule != result.rule_id and not fnmatch.fnmatchcase(result.rule_id, w.rule):
        return False
    addr = result.address or ""
    pattern = w.pattern
    # a waiver on a block also covers what is inside it (module calls)
    return fnmatch.fnmatchcase(addr, pattern) or fnmatch.fnmatchcase(addr, pattern + ".*") or addr.startswith(pattern + ".")


def apply_waivers(results: Iterable[Result], waivers: Iterable, today: datetime.date | None = None) -> Evaluation:
    today = today or datetime.date.today()
    active, expired = [], []
    for w in waivers:
        ends = parse_expiry(str(w.expires))  # None when not set ("None") or not a date
        if ends is not None and ends < today:
            expired.append(w)
        else:
            active.append(w)
    out = []
    for r in results:
        if r.status in (FAIL, UNKNOWN):
            for w in active:
                if _waiver_matches(w, r):
                    r = replace(r, status=WAIVED, waiver_reason=w.reason, message=f"{r.message} [waived: {w.reason}]")
                    break
        out.append(r)
    return Evaluation(results=out, expired_waivers=expired)


def evaluate(
    deployment: Deployment,
    config: Config,
    *,
    rules: Sequence[Rule] | None = None,
    only: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> Evaluation:
    """Rules -> waivers -> redaction -> sorted results."""
    selected = list(rules if rules is not None else ALL_RULES)
    if only:
        wanted = set(only)
        selected = [r for r in selected if r.id in wanted]
    results = run_rules(deployment, config, selected)
    evaluation = apply_waivers(results, [*config.waivers, *deployment.waivers], today)
    for w in evaluation.expired_waivers:
        covers = w.pattern
        evaluation.results.append(
            Result(
                rule_id=w.rule,
                title="expired waiver",
                severity=WARNING,
                status=FAIL,
                message=f"waiver for {w.rule} on {covers} expired on {w.expires} ({w.origin}): the finding counts again; renew or remove it",
                subject=Subject("waiver", covers),
            )
        )
    # consequences of a missing prerequisite point at the failing rule that reports it (grouping only)
    evaluation.results = link_causes(evaluation.results, deployment, config, selected)
    # every result, once, every field (message, address, location, waiver reason, ...): no Result holds a secret
    redactor = Redactor(deployment.redact)
    evaluation.results = [redactor.result(r) for r in evaluation.results]
    evaluation.results.sort(key=Result.sort_key)
    return evaluation
