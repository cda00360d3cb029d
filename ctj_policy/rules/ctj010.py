"""CTJ010: ALB path routing."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, ListenerRule, Subject, TargetGroup, Unknown, describe
from ..queries import (
    BACKEND,
    FRONTEND,
    as_int,
    explain_unknown,
    forwards_to,
    is_catch_all_pattern,
    no_target_group_reason,
    path_patterns,
    pattern_covers,
    role_target_group,
)
from .base import ANCHOR, LISTENER_RULES, PLAN_MODE_ANCHOR, TARGET_GROUPS, CheckovNotes, Rule
from .common import describe_targets, failed, passed, route_subject, scope_subject, undecided


def _priority(rule: ListenerRule) -> int | None:
    return as_int(rule.priority)


def _priority_unknown(rule: ListenerRule, why: str, route: Subject) -> Finding:
    if rule.priority is None:
        return undecided(f"{rule.address} sets no priority (AWS assigns one at apply time), so {why} cannot be decided; set priority explicitly", rule, subject=route)
    shown = explain_unknown(rule.priority) if not isinstance(rule.priority, (int, str)) else describe(rule.priority, quote=True)
    return undecided(f"priority of {rule.address} is not known ({shown}), so {why} cannot be decided", rule, subject=route)


def _catch_route(patterns: tuple[str, ...]) -> Subject:
    """The route a catch-all rule stands for: its catch-all pattern ("/*" when it has no path condition)."""
    return route_subject(next((p for p in patterns if is_catch_all_pattern(p)), "/*"))


def _maybe_in(unread: list[ListenerRule], what: str, route: Subject) -> Finding:
    """No rule with known patterns ``what``; one whose patterns are not known may: unknown, not fail."""
    names = ", ".join(r.address for r in unread)
    return undecided(f"cannot tell whether a listener rule {what}: the path patterns of {names} are not known", unread[0], subject=route)


def _tg_name(tg: TargetGroup) -> str:
    return tg.address


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    rules = deployment.listener_rules
    tgs = {}
    for role in (BACKEND, FRONTEND):
        tg = role_target_group(deployment, config, role)
        if isinstance(tg, Unknown):
            out.append(undecided(f"cannot tell which target group is the {role}'s: {explain_unknown(tg)}", subject=Subject("target_group", role)))
        elif tg is None:
            out.append(failed(f"no {role} target group in scope ({no_target_group_reason(deployment, config, role)})", subject=Subject("target_group", role)))
        tgs[role] = tg
    if not rules:
        out.append(failed(f"no aws_lb_listener_rule in scope; {', '.join(config.backend_paths)} must forward to the backend target group and a catch-all to the frontend", subject=scope_subject(deployment)))
        yield from out
        return

    # classify the rules
    catch_alls: list[ListenerRule] = []
    pats_of: dict[int, tuple[str, ...]] = {}
    unread: list[ListenerRule] = []  # rules whose path patterns are not known: any of them may be the missing one
    for r in rules:
        pats = path_patterns(r)
        if isinstance(pats, Unknown):
            out.append(undecided(f"path patterns of {r.address} are not known: {explain_unknown(pats)}", r))
            unread.append(r)
            continue
        if pats is None or any(is_catch_all_pattern(p) for p in pats):
            catch_alls.append(r)
        pats_of[id(r)] = pats or ()

    # the catch-all: the first (smallest priority) one must forward to the frontend TG
    catch: ListenerRule | None = None
    if not catch_alls and unread:
        out.append(_maybe_in(unread, "is a catch-all", route_subject("/*")))
    elif not catch_alls:
        out.append(failed("no catch-all listener rule (path_pattern \"/*\") forwards to the frontend target group", subject=route_subject("/*")))
    else:
        if any(_priority(r) is None for r in catch_alls):
            for r in catch_alls:
                if _priority(r) is None:
                    out.append(_priority_unknown(r, "which catch-all rule applies", _catch_route(pats_of[id(r)])))
        else:
            catch = min(catch_alls, key=lambda r: _priority(r))  # type: ignore[arg-type, return-value]
            ftg = tgs[FRONTEND]
            route = _catch_route(pats_of[id(catch)])
            if isinstance(ftg, TargetGroup):
                ok = forwards_to(deployment, catch, ftg)
                if ok is False:
                    out.append(failed(f"catch-all rule {catch.address} (priority {_priority(catch)}) forwards to {describe_targets(deployment, catch)}, not the frontend target group {_tg_name(ftg)}", catch, subject=route))
                elif ok is None:
                    out.append(undecided(f"cannot tell whether catch-all rule {catch.address} forwards to {_tg_name(ftg)}: {describe_targets(deployment, catch)}", catch, subject=route))

    # each backend path: the first specific rule covering it forwards to the backend TG,
    # and every specific rule for it comes before the catch-all
    btg = tgs[BACKEND]
    for path in config.backend_paths:
        specific = [r for r in rules if id(r) in pats_of and r not in catch_alls and any(pattern_covers(p, path) for p in pats_of[id(r)])]
        if not specific and unread:
            out.append(_maybe_in(unread, f"routes {path}", route_subject(path)))
            continue
        if not specific:
            out.append(failed(f"no listener rule routes {path} (add an aws_lb_listener_rule with path_pattern \"{path}\" forwarding to the backend target group)", subject=route_subject(path)))
            continue
        unknown_prio = [r for r in specific if _priority(r) is None]
        if len(specific) > 1 and unknown_prio:
            for r in unknown_prio:
                out.append(_priority_unknown(r, f"which rule routes {path}", route_subject(path)))
            continue
        first = min(specific, key=lambda r: _priority(r) or 0)
        if isinstance(btg, TargetGroup):
            ok = forwards_to(deployment, first, btg)
            if ok is False:
                out.append(failed(f"{path} is routed by {first.address} to {describe_targets(deployment, first)}, not the backend target group {_tg_name(btg)}", first, subject=route_subject(path)))
            elif ok is None:
                out.append(undecided(f"cannot tell whether {first.address} forwards {path} to {_tg_name(btg)}: {describe_targets(deployment, first)}", first, subject=route_subject(path)))
        if catch is not None:
            cp = _priority(catch)
            for r in specific:
                p = _priority(r)
                if p is None:
                    out.append(_priority_unknown(r, f"whether {path} is evaluated before the catch-all", route_subject(path)))
                elif p >= cp:  # type: ignore[operator]
                    out.append(failed(f"{r.address} ({path}, priority {p}) is evaluated after the catch-all {catch.address} (priority {cp}); give it a smaller priority number", r, subject=route_subject(path)))
    # de-duplicate (a rule may be reported for both paths)
    seen = set()
    unique = []
    for f in out:
        if (f.status, f.message) not in seen:
            seen.add((f.status, f.message))
            unique.append(f)
    paths = " and ".join(config.backend_paths)
    yield from unique or [passed(f"{paths} forward to the backend target group, before a catch-all to the frontend target group", subject=scope_subject(deployment))]


BAD = """\
resource "aws_lb_target_group" "django" {
  name        = "ctj-stage-django"
  port        = 8000
  target_type = "ip"
}

resource "aws_lb_target_group" "nextjs" {
  name        = "ctj-stage-nextjs"
  port        = 3000
  target_type = "ip"
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = var.listener_arn
  priority     = 120 # after the catch-all: never reached
  condition {
    path_pattern { values = ["/api/*"] }
  }
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.django.arn
  }
}

resource "aws_lb_listener_rule" "catch_all" {
  listener_arn = var.listener_arn
  priority     = 110
  condition {
    path_pattern { values = ["/*"] }
  }
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nextjs.arn
  }
}
"""

GOOD = """\
resource "aws_lb_target_group" "django" {
  name        = "ctj-stage-django"
  port        = 8000
  target_type = "ip"
}

resource "aws_lb_target_group" "nextjs" {
  name        = "ctj-stage-nextjs"
  port        = 3000
  target_type = "ip"
}

resource "aws_lb_listener_rule" "backend" {
  listener_arn = var.listener_arn
  priority     = 100
  condition {
    path_pattern { values = ["/api/*", "/admin/*"] }
  }
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.django.arn
  }
}

resource "aws_lb_listener_rule" "catch_all" {
  listener_arn = var.listener_arn
  priority     = 110
  condition {
    path_pattern { values = ["/*"] }
  }
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nextjs.arn
  }
}
"""


RULE = Rule(
    id="CTJ010",
    title="ALB path routing",
    severity=ERROR,
    summary="ALB rules: `/api/*`, `/admin/*` -> backend TG before a catch-all -> frontend TG",
    rationale=(
        "The Stage 1 decision (docs/decision.md#routing) routes /api/* and /admin/* to the Django target group and everything "
        "else to the Next.js target group, for one browser origin. The incubator listener is shared by every project, "
        "so 'default -> Next.js' is a catch-all /* rule with CTJ's host header, and it must carry a larger priority "
        "number than the /api/* and /admin/* rules, or it swallows them. A rule routes /api/* when one of its path "
        "patterns matches every path /api/* matches (ALB wildcards: * any run, ? one character: /ap?/* does, /api/? does "
        "not); a catch-all is a pattern that matches every path (/*, *, /**; a rule without a path condition too). The "
        "backend/frontend target groups are the "
        "ones the service attaches the Django/Next.js containers to (the containers' roles by evidence); failing that, the "
        "one on the role's port (8000, 3000), then the one the /api/* and /admin/* rules (or the catch-all) forward to; "
        "never a target group's name."
    ),
    remediation=(
        "Declare aws_lb_listener_rule resources on the shared listener: path_pattern [\"/api/*\"] and [\"/admin/*\"] "
        "forwarding to the Django target group (e.g. priorities 100, 101), and path_pattern [\"/*\"] forwarding to the "
        "Next.js target group with a larger priority (e.g. 110), each with CTJ's host_header condition."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_010",
    resource_types=ANCHOR + LISTENER_RULES + TARGET_GROUPS,
    checkov=CheckovNotes(
        hcl=(),
        note=PLAN_MODE_ANCHOR + "nothing (which path pattern forwards to which target group, and priority order ACROSS "
        "listener rules): ctj-policy only",
    ),
)
