"""CTJ012: Postgres is not attached to anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import Config
from ..model import ERROR, Deployment, Finding, TargetGroup, Unknown, describe, is_known, is_symbolic, same_value
from ..queries import (
    DATABASE,
    admits_port,
    as_int,
    containers_unknown,
    ctj_task,
    explain_unknown,
    forward_targets,
    items,
    resolve_target_group,
    roles_of,
)
from .base import INGRESS, LISTENER_RULES, SERVICE, TARGET_GROUPS, CheckovNotes, Rule
from .common import attachment_subject, failed, passed, scope_subject, undecided


def _first_unknown(name: Any, db_names: list[Any]) -> Any:
    """What keeps a load_balancer block's container from being compared with the database's names: the
    block's own name when it is not known, else the first database name that is not."""
    if not is_known(name):
        return name
    return next(n for n in db_names if same_value(name, n) is None)


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    port = config.postgres_port
    out: list[Finding] = []
    task = ctj_task(deployment, config)
    db_names: list = []
    names_unknown: Unknown | None = None
    if task is not None:
        unknown = containers_unknown(task)
        if unknown is not None:
            names_unknown = unknown
        else:
            for c, role in roles_of(task, deployment, config):
                if role == DATABASE:
                    db_names.append(c.name)
                elif isinstance(role, Unknown) and names_unknown is None:
                    names_unknown = role
    for svc in deployment.services:
        if isinstance(svc.load_balancers, Unknown):
            out.append(undecided(f"load_balancer blocks of {svc.address} are not known: {explain_unknown(svc.load_balancers)}", svc))
            continue
        for lb in items(svc.load_balancers):
            block = attachment_subject(lb.container_name, lb.container_name)
            if any(same_value(lb.container_name, n) is True for n in db_names):
                out.append(failed(f"{svc.address} attaches the database container '{describe(lb.container_name)}' to a load balancer; Postgres must stay unattached", svc, subject=block))
            elif as_int(lb.container_port) == port:
                out.append(failed(f"{svc.address} attaches container '{describe(lb.container_name)}' port {port} to a load balancer", svc, subject=block))
            elif names_unknown is None and any(same_value(lb.container_name, n) is None for n in db_names):
                out.append(undecided(f"cannot tell whether {svc.address}'s load_balancer block for '{describe(lb.container_name)}' names the database container: {explain_unknown(_first_unknown(lb.container_name, db_names))}", svc, subject=block))
            elif names_unknown is not None:
                out.append(undecided(f"cannot tell whether {svc.address}'s load_balancer block for '{describe(lb.container_name)}' names the database container: {explain_unknown(names_unknown)}", svc, subject=block))
            elif is_symbolic(lb.container_port):
                out.append(undecided(f"container_port of a load_balancer block of {svc.address} is not known: {explain_unknown(lb.container_port)}", svc, subject=block))
    for tg in deployment.target_groups:
        if is_symbolic(tg.port):
            out.append(undecided(f"port of {tg.address} is not known: {explain_unknown(tg.port)}", tg))
        elif as_int(tg.port) == port:
            out.append(failed(f"target group {tg.address} listens on port {port} (Postgres)", tg))
    for rule in deployment.listener_rules:
        targets = forward_targets(rule)
        if isinstance(targets, Unknown):
            out.append(undecided(f"forward targets of {rule.address} are not known: {explain_unknown(targets)}", rule))
            continue
        for t in targets:
            tg = resolve_target_group(deployment, t)
            if isinstance(tg, TargetGroup) and as_int(tg.port) == port:
                out.append(failed(f"listener rule {rule.address} forwards to {tg.address} on port {port} (Postgres)", rule))
    for ing in deployment.ingress_rules:
        admits = admits_port(ing.protocol, ing.from_port, ing.to_port, port)
        if admits is True:
            what = "all traffic" if str(ing.protocol).lower() in ("-1", "all") else f"ports {describe(ing.from_port)}-{describe(ing.to_port)}"
            src = ", ".join(describe(s) for s in items(ing.sources)) or "its sources"
            out.append(failed(f"ingress {ing.address} admits {what} from {src}, including {port} (Postgres)", ing))
        elif admits is None:
            out.append(undecided(f"cannot tell whether ingress {ing.address} admits port {port}: protocol {describe(ing.protocol, quote=True)}, ports {describe(ing.from_port, quote=True)}-{describe(ing.to_port, quote=True)}", ing))
    yield from out or [passed(f"nothing in scope attaches the database container or admits port {port}", subject=scope_subject(deployment))]


BAD = """\
resource "aws_security_group" "task" {
  vpc_id = var.vpc_id
  ingress {
    protocol    = "-1" # all traffic, 5432 included
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["10.10.0.0/16"]
  }
}
"""

GOOD = """\
resource "aws_security_group" "task" {
  vpc_id = var.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 3000
    to_port     = 3000
    cidr_blocks = ["10.10.0.0/16"]
  }
  ingress {
    protocol    = "tcp"
    from_port   = 8000
    to_port     = 8000
    cidr_blocks = ["10.10.0.0/16"]
  }
}
"""


RULE = Rule(
    id="CTJ012",
    title="Postgres unattached",
    severity=ERROR,
    summary="Postgres is never reachable through the ALB or a security group (5432)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) gives Postgres no public ingress: it is reachable only from the "
        "Django container inside the task, on localhost:5432, and is not attached to the ALB. Any load_balancer block "
        "naming the database container, any target group, listener rule or security-group ingress that admits 5432 "
        "(port ranges and 'all traffic' included) opens it beyond the task. A load_balancer block on container port "
        "5432 fails whichever container it names: the containers share the task's network namespace, so its target "
        "group admits 5432 of the task, where Postgres listens. With no task in scope the rule still checks the "
        "network resources."
    ),
    remediation=(
        "Remove load_balancer blocks, target groups and listener rules for the Postgres container, and restrict the "
        "task security group's ingress to the frontend and backend ports (3000, 8000): no protocol \"-1\", no "
        "0-65535 range, nothing covering 5432."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_012",
    resource_types=TARGET_GROUPS + INGRESS + SERVICE + LISTENER_RULES,
    checkov=CheckovNotes(
        hcl=TARGET_GROUPS + INGRESS,
        note="plan mode: also load_balancer blocks of services and listener rules forwarding to a 5432 target group. "
        "HCL mode: target group ports and security-group ingress only; services and listener rules need the task or "
        "the target group: ctj-policy only",
    ),
)
