"""HCL mode: a check runs its rule on a model of the ONE resource conf Checkov hands it.

Checkov's ``terraform`` framework evaluates HCL itself and hands a check one
resource at a time; there is no plan file to read.  The conf becomes a model
holding just that resource (:mod:`.conf`, the shared builder), the SAME rule
function ``ctj-policy check`` runs judges it, and only what the rule decides
about that one resource counts: PASSED/FAILED when it decides about THIS
resource and nothing else in the partial model is failing or undecided, else
not reported (UNKNOWN).  Cross-resource rules report nothing in HCL mode (the
mapping's ``hcl`` types).
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any

from ..config import DEFAULT, Config
from ..model import FAIL, NOT_EVALUATED, PASS, UNKNOWN, Deployment, Ref, Service, TaskDefinition, Unknown
from ..rules import RULES_BY_ID
from .conf import HCL, add_resource
from .mapping import BY_RULE_ID, CTJ_SERVICE_RULES
from .plan import SCOPE_ENV, secrets_of, under
from .verdict import Verdict, belongs


def project_module_name(config: Config = DEFAULT) -> str:
    """``projects/civic-tech-jobs`` -> ``civic-tech-jobs``: the module call name the incubator uses."""
    return config.project_source_suffix.rstrip("/").rsplit("/", 1)[-1]


def scope_for(address: str, *, option: str | None = None, config: Config = DEFAULT) -> str | None:
    """The CTJ scope prefix that applies to ``address`` ("" = everything), or None when it is outside.

    ``option`` (default: env CTJ_POLICY_SCOPE, else ``auto``): ``root``/``all``
    = everything; ``module.x`` = that subtree; ``auto``: a check sees no module
    sources, so the module call named after the project directory
    (``civic-tech-jobs``) at any depth.
    """
    option = (option if option is not None else os.environ.get(SCOPE_ENV, "auto")).strip() or "auto"
    if option in ("root", "all", "."):
        return ""
    if option != "auto":
        return option if under(address, option) else None
    name = re.escape(project_module_name(config))
    m = re.match(rf"^((?:module\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.)*?module\.{name}(?:\[[^\]]*\])?)\.", address)
    return m.group(1) if m else None


def _stub_task_for(service: Service) -> TaskDefinition:
    """The task a service runs, contents not visible to a per-resource check.

    A CTJ-service rule (CTJ026) finds 'the service that runs the CTJ task'; a
    per-service check supplies that task as a stub so the rule judges the
    service itself.  Findings about the stub are ignored (it is not the
    checked resource).
    """
    td = service.task_definition
    if isinstance(td, Ref):
        address = td.address
        arn: Any = td
    else:
        address = f"{service.address}#task_definition"
        arn = td if isinstance(td, str) else Ref(address, "arn")
        if not isinstance(td, str):
            service.task_definition = Ref(address, "arn")
    return TaskDefinition(
        address,
        type="aws_ecs_task_definition",
        family=Unknown(NOT_EVALUATED, address, "not visible to a per-resource check"),
        containers=Unknown(NOT_EVALUATED, address, "not visible to a per-resource check"),
        volumes=Unknown(NOT_EVALUATED, address),
        arn=arn,
    )


def deployment_for(
    conf: dict, resource_type: str, *, address: str, mode: str = HCL, block_type: str = "resource", rule_id: str = ""
) -> Deployment:
    """A Deployment holding just this resource (plus the stub task a CTJ-service rule needs)."""
    dep = Deployment(scope="")
    add_resource(dep, resource_type, address, conf, mode, block_type=block_type)
    if rule_id in CTJ_SERVICE_RULES:
        for svc in list(dep.services):
            stub = _stub_task_for(svc)
            dep.task_definitions.append(stub)
            dep.notes.append(f"stub:{stub.address}")
    return dep


def hcl_verdict(
    rule_id: str,
    conf: dict,
    resource_type: str,
    address: str,
    *,
    block_type: str = "resource",
    config: Config = DEFAULT,
) -> Verdict:
    """Run ``rule_id`` on a model holding only this resource: PASS/FAIL only when the rule decides
    about THIS resource and nothing outside it is undecided or failing, else UNKNOWN."""
    spec = BY_RULE_ID[rule_id]
    types = spec.hcl_resources if block_type == "resource" else spec.data
    if not any(fnmatch.fnmatchcase(resource_type, t) for t in types):
        return Verdict(
            UNKNOWN, reason=f"{rule_id} on {resource_type} needs the whole plan: plan mode only (HCL: run ctj-policy)"
        )
    if scope_for(address, config=config) is None:
        return Verdict(UNKNOWN, reason=f"{address} is outside the CTJ scope")
    dep = deployment_for(conf, resource_type, address=address, block_type=block_type, rule_id=rule_id)
    findings = list(RULES_BY_ID[rule_id].check(dep, config))
    mine = [f for f in findings if belongs(f.address, address)]
    stubs = {n[5:] for n in dep.notes if n.startswith("stub:")}
    others = [f for f in findings if not belongs(f.address, address) and f.address not in stubs]
    secrets = frozenset(secrets_of(dep, config))
    if any(f.status == FAIL for f in mine):
        return Verdict(FAIL, [f for f in mine if f.status == FAIL], secrets=secrets)
    if any(f.status == UNKNOWN for f in mine):
        return Verdict(UNKNOWN, [f for f in mine if f.status == UNKNOWN], secrets=secrets)
    if any(f.status != PASS for f in others):
        return Verdict(
            UNKNOWN,
            [f for f in others if f.status != PASS],
            reason="the rule needs resources a per-resource check cannot see",
            secrets=secrets,
        )
    return Verdict(PASS, [f for f in findings if f.status == PASS], secrets=secrets)


__all__ = ["deployment_for", "hcl_verdict", "project_module_name", "scope_for"]
