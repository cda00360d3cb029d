"""A service's cluster, by the name of the cluster block it references.  Standard library only.

``aws_ecs_service.cluster`` takes the cluster's ARN (or name).  When the same
configuration creates the cluster, the service references it
(``cluster = aws_ecs_cluster.main.id``, often through a module variable): its
id and ARN are known only after apply, but its name is stated by the cluster's
block (HCL) or planned (``after.name`` in the plan).  A cluster's name is unique
in its account and region, so the service's cluster is then that name (CTJ041
compares it with the redeploy's ``--cluster``).  What does not resolve to a
known name keeps its reference.

Each loader hands :func:`name_clusters` a function giving the name of a cluster
block by its instance address: :func:`hcl_attribute` for the HCL evaluator, a
dictionary of the plan's cluster changes for the plan loader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..addresses import INSTANCE_KEY
from ..model import Deployment, Ref

# (mode, type) of a cluster block -> the attribute holding its name
NAME_ATTRIBUTE = {("managed", "aws_ecs_cluster"): "name", ("data", "aws_ecs_cluster"): "cluster_name"}

_MODULE = re.compile(r"module\.([A-Za-z0-9_-]+)(?:" + INSTANCE_KEY + r")?")
_RESOURCE = re.compile(r"(?:(data)\.)?([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)(?:" + INSTANCE_KEY + r")?$")


def split(address: str) -> tuple[str, str, str, str] | None:
    """``module.a.aws_ecs_cluster.main`` -> ("module.a", "managed", "aws_ecs_cluster", "main"); None: not a resource."""
    i, modules = 0, []
    while (m := _MODULE.match(address, i)) and address[m.end():m.end() + 1] == ".":
        modules.append(m.group(0))
        i = m.end() + 1
    r = _RESOURCE.match(address, i)
    if r is None:
        return None
    return ".".join(modules), "data" if r.group(1) else "managed", r.group(2), r.group(3)


def cluster_block(value: Any) -> tuple[str, str] | None:
    """(address, name attribute) when ``value`` is the id or ARN of a cluster block."""
    if not isinstance(value, Ref) or value.attribute not in ("id", "arn"):
        return None
    parts = split(value.address)
    attribute = NAME_ATTRIBUTE.get(parts[1:3]) if parts else None
    return (value.address, attribute) if attribute else None


def name_clusters(dep: Deployment, name_of: Callable[[str, str], Any]) -> None:
    """Each service whose cluster is a cluster block's id/ARN: that block's name, when ``name_of(address,
    attribute)`` knows it as a non-empty string."""
    for service in dep.services:
        found = cluster_block(service.cluster)
        if found is None:
            continue
        name = name_of(*found)
        if isinstance(name, str) and name:
            service.cluster = name


def hcl_attribute(root: Any) -> Callable[[str, str], Any]:
    """``name_of`` for the HCL evaluator: the attribute of the resource instance at ``address`` (None when
    the configuration does not declare it, or it cannot be evaluated)."""
    from .hcl_eval import ModuleInst
    from .hcl_values import EvalError

    def name_of(address: str, attribute: str) -> Any:
        mod = root
        try:
            while True:
                if mod.address and not address.startswith(mod.address + "."):
                    return None
                rest = address[len(mod.address) + 1:] if mod.address else address
                m = _MODULE.match(rest)
                if m is None or rest[m.end():m.end() + 1] != ".":
                    break
                want = (mod.address + "." if mod.address else "") + m.group(0)
                children = mod.children(m.group(1))
                mod = next((c for c in children if isinstance(c, ModuleInst) and c.address == want), None)
                if mod is None:
                    return None
            parts = split(address)
            if parts is None:
                return None
            for inst in mod.resource_instances(*parts[1:]):
                if inst.address == address:
                    return inst.view().get(attribute)
        except EvalError:
            return None
        return None

    return name_of


__all__ = ["NAME_ATTRIBUTE", "cluster_block", "hcl_attribute", "name_clusters", "split"]
