"""Routing: ports, target groups, listener rules and what they forward.  Standard library only."""

from __future__ import annotations

import re
from typing import Any

from ..config import Config
from ..model import UNRESOLVED, Container, Deployment, Ref, Service, TargetGroup, Unknown, describe, is_symbolic, same_value, strip_index
from .roles import BACKEND
from .task import ctj_service, ctj_task, role_container
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


def _tokens(name: Any) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower())) if isinstance(name, str) else set()


def role_target_group(deployment: Deployment, config: Config, role: str) -> TargetGroup | None | Unknown:
    """The backend/frontend target group: the one the CTJ service attaches
    that role's container to; failing that, the only TG named (a token of its
    name or address) or ported for that role."""
    task = ctj_task(deployment, config)
    service = ctj_service(deployment, config, task)
    if task is not None and isinstance(service, Service) and isinstance(service.load_balancers, tuple):
        c = role_container(task, role, deployment, config)
        if isinstance(c, Container):
            for lb in service.load_balancers:
                if same_value(lb.container_name, c.name) is True:
                    return resolve_target_group(deployment, lb.target_group)
    names = set(config.backend_names if role == BACKEND else config.frontend_names) | {role}
    port = config.backend_port if role == BACKEND else config.frontend_port
    by_name = [tg for tg in deployment.target_groups if (_tokens(tg.name) | _tokens(strip_index(tg.address).rsplit(".", 1)[-1])) & names]
    if len(by_name) == 1:
        return by_name[0]
    pool = by_name or deployment.target_groups
    by_port = [tg for tg in pool if as_int(tg.port) == port]
    if len(by_port) == 1:
        return by_port[0]
    return None


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
    return pattern in ("*", "/*")


def pattern_covers(pattern: str, target: str) -> bool:
    """Does ALB path pattern ``pattern`` match every path ``target`` matches?

    Exact equality, or ``pattern`` is a literal prefix followed by a single
    trailing ``*`` and ``target``'s literal prefix starts with it.
    """
    if pattern == target:
        return True
    if pattern.endswith("*") and not any(ch in pattern[:-1] for ch in "*?"):
        prefix = pattern[:-1]
        literal = re.split(r"[*?]", target, maxsplit=1)[0]
        return literal.startswith(prefix)
    return False


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
