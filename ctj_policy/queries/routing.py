"""Routing: ports, target groups, listener rules and what they forward.  Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from operator import or_
from typing import Any

from ..config import Config
from ..model import (
    UNRESOLVED,
    Container,
    Deployment,
    Ref,
    Service,
    TargetGroup,
    TaskDefinition,
    Unknown,
    describe,
    is_symbolic,
    same_value,
    strip_index,
)
from .roles import BACKEND, FRONTEND, classify
from .task import ctj_service, ctj_task
from .values import as_int, items

ALL_PROTOCOLS = ("-1", "all")
TCP = ("tcp", "6")


def admits_port(protocol: Any, from_port: Any, to_port: Any, port: int) -> bool | None:
    """Does an ingress permission admit TCP ``port``?  None when undecidable."""
    proto = str(protocol).lower() if isinstance(protocol, (str, int)) and not isinstance(protocol, bool) else protocol
    if is_symbolic(proto):
        return None
    if proto in ALL_PROTOCOLS:
        return True
    if proto is not None and proto not in TCP:
        return False
    lo, hi = from_port, to_port
    if is_symbolic(lo) or is_symbolic(hi):
        return None
    lo_i, hi_i = as_int(lo), as_int(hi)
    if lo_i is None and hi_i is None:
        return False  # TCP/unset protocol with no ports admits nothing
    if lo_i is None:
        lo_i = hi_i
    if hi_i is None:
        hi_i = lo_i
    if lo_i in (-1,) and hi_i in (-1,):
        return True
    return lo_i <= port <= hi_i  # type: ignore[operator]


def container_ports(container: Container) -> set[int] | Unknown:
    if isinstance(container.port_mappings, Unknown):
        return container.port_mappings
    out = set()
    for pm in items(container.port_mappings):
        p = as_int(pm.container_port)
        if p is not None:
            out.add(p)
        elif is_symbolic(pm.container_port):
            return pm.container_port if isinstance(pm.container_port, Unknown) else Unknown(UNRESOLVED, f"containerPort of '{describe(container.name)}'")
    return out


TARGET_GROUP_TYPES = ("aws_lb_target_group", "aws_alb_target_group")


def names_target_group(ref: Ref) -> bool:
    """Does ``ref`` name a managed target group resource (not a data source, a module output or another block)?"""
    parts = strip_index(ref.address).split(".")
    return len(parts) >= 2 and parts[-2] in TARGET_GROUP_TYPES and (len(parts) == 2 or parts[-3] != "data")


def resolve_target_group(deployment: Deployment, value: Any) -> TargetGroup | None | Unknown:
    """Which target group in scope does an arn/Ref point at?  None: none of them (a Ref to another
    target group resource, or a known ARN matching none); an Unknown when that cannot be told (a data
    source, a module output, a value known only after apply)."""
    found = deployment.resolve(value, deployment.target_groups, ("arn", "id"))
    if found is None and isinstance(value, Ref) and not names_target_group(value):
        return Unknown(UNRESOLVED, value.describe(), "does not name a target group in scope")
    return found  # type: ignore[return-value]


@dataclass(frozen=True)
class RoleTargetGroup:
    """The target group a role's traffic goes to, and the evidence that decided it (fit to print)."""

    target_group: Any  # TargetGroup | None | Unknown
    evidence: str = ""


def _lb_container(task: TaskDefinition, lb: Any) -> Container | None:
    """The container a service's load_balancer block wires: by container_name; when that name is not known,
    the only container exposing its container_port."""
    containers = [c for c in items(task.containers) if isinstance(c, Container)]
    if not is_symbolic(lb.container_name):
        return next((c for c in containers if same_value(lb.container_name, c.name) is True), None)
    port = as_int(lb.container_port)
    hits = [c for c in containers if port is not None and isinstance(ports := container_ports(c), set) and port in ports]
    return hits[0] if len(hits) == 1 else None


def _forwarded(deployment: Deployment, config: Config, role: str, pool: list[TargetGroup]) -> dict[int, tuple[TargetGroup, str]]:
    """Target groups of ``pool`` that listener rules forward the role's paths to (the backend paths for the
    backend, a catch-all for the frontend), with the rule and pattern that say so."""
    found: dict[int, tuple[TargetGroup, str]] = {}
    for rule in deployment.listener_rules:
        pats = path_patterns(rule)
        if isinstance(pats, Unknown):
            continue
        catch_all = pats is None or any(is_catch_all_pattern(p) for p in pats)
        if role == BACKEND:
            hit = None if catch_all else next((p for p in pats or () for path in config.backend_paths if pattern_covers(p, path)), None)
        else:
            hit = ("/*" if pats is None else next(p for p in pats if is_catch_all_pattern(p))) if catch_all else None
        if hit is None:
            continue
        targets = forward_targets(rule)
        for t in () if isinstance(targets, Unknown) else targets:
            tg = resolve_target_group(deployment, t)
            if isinstance(tg, TargetGroup) and any(tg is x for x in pool):
                found.setdefault(id(tg), (tg, f"{rule.address} forwards {hit} to it"))
    return found


def target_groups_by_role(deployment: Deployment, config: Config) -> dict[str, RoleTargetGroup]:
    """The backend and frontend target groups, by what is deployed, never by a name (SPEC section 9):

    1. the one the CTJ service's ``load_balancer`` blocks attach a container of that role to (the
       container by container_name, else container_port; its role by :mod:`.roles` evidence);
    2. else, among the target groups not already the other role's, the only one whose port is the role's
       container port (8000 backend, 3000 frontend);
    3. else the only one the listener rules forward the role's paths to (the backend paths for the backend,
       the catch-all for the frontend) and not the other role's paths too.
    """
    roles = (BACKEND, FRONTEND)
    found: dict[str, RoleTargetGroup] = {}
    taken: set[int] = set()  # target groups the service attaches to a container of a role, or already decided
    task = ctj_task(deployment, config)
    service = ctj_service(deployment, config, task)
    if task is not None and isinstance(service, Service) and isinstance(service.load_balancers, tuple):
        for lb in service.load_balancers:
            c = _lb_container(task, lb)
            decision = classify(c, deployment, config) if c is not None else None
            if decision is None or not isinstance(decision.role, str):
                continue
            tg = resolve_target_group(deployment, lb.target_group)
            if isinstance(tg, TargetGroup):
                taken.add(id(tg))
            if decision.role not in roles or decision.role in found:
                continue
            why = decision.describe() if decision.by_evidence else ""
            shown = f"the {decision.role} container '{describe(c.name)}'" + (f" ({why})" if why else "")  # type: ignore[union-attr]
            if tg is None:
                found[decision.role] = RoleTargetGroup(None, f"{service.address} attaches {shown} to {describe(lb.target_group)}, not a target group in scope")
            else:
                found[decision.role] = RoleTargetGroup(tg, f"{service.address} attaches {shown} to it")
    for role in roles:
        if role in found:
            continue
        port = config.backend_port if role == BACKEND else config.frontend_port
        by_port = [tg for tg in deployment.target_groups if id(tg) not in taken and as_int(tg.port) == port]
        if len(by_port) == 1:
            found[role] = RoleTargetGroup(by_port[0], f"its port {port}, the {role}'s")
            taken.add(id(by_port[0]))
    pool = [tg for tg in deployment.target_groups if id(tg) not in taken]
    forwarded = {role: _forwarded(deployment, config, role, pool) for role in roles}
    for role in roles:
        if role in found:
            continue
        other = forwarded[FRONTEND if role == BACKEND else BACKEND]
        mine = [v for k, v in forwarded[role].items() if k not in other]
        found[role] = RoleTargetGroup(*mine[0]) if len(mine) == 1 else RoleTargetGroup(None)
    return found


def target_group_for_role(deployment: Deployment, config: Config, role: str) -> RoleTargetGroup:
    """The backend/frontend target group and why (see :func:`target_groups_by_role`)."""
    return target_groups_by_role(deployment, config)[role]


def no_target_group_reason(deployment: Deployment, config: Config, role: str) -> str:
    """Why no target group is the role's, fit to print after "no backend target group in scope"."""
    found = target_group_for_role(deployment, config, role)
    if found.evidence:
        return found.evidence
    port = config.backend_port if role == BACKEND else config.frontend_port
    paths = ", ".join(config.backend_paths) if role == BACKEND else "a catch-all"
    return f"none attached to the {role} container by the service, none on port {port}, none that the listener rules forward {paths} to"


def role_target_group(deployment: Deployment, config: Config, role: str) -> TargetGroup | None | Unknown:
    """The backend/frontend target group (see :func:`target_group_for_role`)."""
    return target_group_for_role(deployment, config, role).target_group


def path_patterns(rule: Any) -> tuple[str, ...] | None | Unknown:
    """All path_pattern values of a listener rule; None when it has no
    path condition (it matches every path); an Unknown when not known."""
    if isinstance(rule.conditions, Unknown):
        return rule.conditions
    out: list[str] = []
    seen_path = False
    for cond in items(rule.conditions):
        pats = cond.path_patterns
        if isinstance(pats, Unknown):
            return pats
        for p in items(pats):
            if not isinstance(p, str):
                return p if isinstance(p, Unknown) else Unknown(UNRESOLVED, f"path_pattern of {rule.address}")
            out.append(p)
            seen_path = True
    return tuple(out) if seen_path else None


def is_catch_all_pattern(pattern: str) -> bool:
    """Does the path pattern match every path (``/*``, ``*``, ``/**``...)?  Every path an ALB sees starts with ``/``."""
    return pattern_covers(pattern, "/*")


_WILDCARDS = re.compile(r"[*?]+")


def _wildcard_runs(pattern: str) -> str:
    """Each run of wildcards written as its ``?`` then one ``*`` (the same paths): ``*?*`` -> ``?*``."""
    return _WILDCARDS.sub(lambda m: "?" * m.group().count("?") + ("*" if "*" in m.group() else ""), pattern)


def pattern_covers(pattern: str, target: str) -> bool:
    """Does ALB path pattern ``pattern`` match every path ``target`` matches?  (ALB wildcards: ``*`` any run of
    characters, none too; ``?`` exactly one; everything else itself, case-sensitive.)

    Decided by lining ``target`` up under ``pattern``: a ``*`` of the pattern takes any run of the target (its
    wildcards too), a ``?`` one character or ``?`` of the target, a character only itself.  Sound: such a
    line-up holds for every path the target matches.  Complete when the target has no ``*`` or only a last one,
    as ``/api/*`` (``/ap?/*`` covers it); a cover of a target with another ``*`` may be missed (``?*`` covers
    ``*a``).
    """
    p, t = _wildcard_runs(pattern), _wildcard_runs(target)
    reach = [True] + [False] * len(t)  # reach[j]: the pattern read so far takes the first j of the target
    for pc in p:
        if pc == "*":
            reach = list(accumulate(reach, or_))
        else:
            reach = [False] + [reach[j] and (tc == pc or (pc == "?" and tc != "*")) for j, tc in enumerate(t)]
    return reach[-1]


def forward_targets(rule: Any) -> tuple | Unknown:
    """The target group values a listener rule forwards to (first forward action)."""
    if isinstance(rule.actions, Unknown):
        return rule.actions
    for action in items(rule.actions):
        if isinstance(action.type, Unknown):
            return action.type
        if action.type == "forward":
            if isinstance(action.target_groups, Unknown):
                return action.target_groups
            return items(action.target_groups)
    return ()


def forwards_to(deployment: Deployment, rule: Any, tg: TargetGroup) -> bool | None:
    """Does the rule forward (all of its traffic) to ``tg``?"""
    targets = forward_targets(rule)
    if isinstance(targets, Unknown) or not targets:
        return None if isinstance(targets, Unknown) else False
    verdict: bool | None = True
    for t in targets:
        r = resolve_target_group(deployment, t)
        if isinstance(r, Unknown):
            verdict = None
        elif r is not tg:
            return False
    return verdict
