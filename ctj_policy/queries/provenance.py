"""Where a value comes from, when that decides what "known after apply" cannot.  Standard library only.

A :class:`~ctj_policy.model.Ref` names the resource attribute a value traces to (the loaders follow variables,
locals and module outputs to it, in plan and HCL mode).  The referenced resource TYPE decides, never a name:
an attribute of an RDS instance, cluster, cluster instance or proxy (resource or data source) is a
managed-database endpoint and can never be ``localhost``; an ``arn`` is never a hostname.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import DATABASE_RESOURCE_TYPES, Deployment, Ref, Secret, Template, address_labels

_RDS_PREFIXES = ("aws_db_", "aws_rds_")


def address_type(address: str) -> tuple[str, str]:
    """(mode, type) of the block an address names, read by position (``module NAME`` pairs, then
    ``[data.]TYPE.NAME``), so a module may be called ``data`` or ``module``:
    ``module.a["x.y"].data.aws_db_instance.shared`` -> ("data", "aws_db_instance"); ("", "") when the
    address names no resource (``module.a``, a module output's address)."""
    rest = address_labels(address)
    while rest[:1] == ["module"]:
        rest = rest[2:]
    if len(rest) == 3 and rest[0] == "data":
        return "data", rest[1]
    if len(rest) == 2:
        return "managed", rest[0]
    return "", ""


def ref_type(ref: Ref) -> tuple[str, str]:
    """(mode, type) of the resource a Ref names (:func:`address_type` of its address)."""
    return address_type(ref.address)


def is_managed_database_type(mode: str, rtype: str) -> bool:
    """An RDS instance/cluster/proxy resource, or any RDS data source."""
    if not rtype:
        return False
    if rtype in DATABASE_RESOURCE_TYPES or rtype.startswith(("aws_rds_cluster", "aws_db_proxy")):
        return True
    return mode == "data" and rtype.startswith(_RDS_PREFIXES)


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Template):
        return [p for p in value.parts if isinstance(p, Ref)]
    return []


def managed_database_source(value: Any) -> Ref | None:
    """The RDS attribute ``value`` is (or is built from), else None."""
    for ref in _refs(value):
        if is_managed_database_type(*ref_type(ref)):
            return ref
    return None


def arn_source(value: Any) -> Ref | None:
    """The resource ``arn`` that ``value`` is exactly (an ARN is never a hostname), else None."""
    if isinstance(value, Ref) and value.attribute.split(".")[-1] == "arn" and ref_type(value)[1]:
        return value
    return None


def describe_source(ref: Ref) -> str:
    """``data source aws_db_instance`` / ``resource aws_rds_cluster`` for messages."""
    return _describe(ref.address)


def _describe(address: str) -> str:
    mode, rtype = address_type(address)
    return f"{'data source' if mode == 'data' else 'resource'} {rtype}"


@dataclass(frozen=True)
class DatabaseSecret:
    """A secret a managed-database module creates or outputs (an RDS credential), for messages."""

    source: str  # "aws_ssm_parameter module.db.module.owner_password.aws_ssm_parameter.this" or "${module.db.owner_password_arn}"
    module: str  # the database module call that creates it
    declares: str  # one managed-database block the module declares, described: "data source aws_db_instance module.x.data..."
    output: bool = False  # the value is an output of the module (the secret itself is not in the model)

    def describe(self) -> str:
        how = "an output of" if self.output else "which is created by"
        return f"{self.source}, {how} the managed-database module {self.module} (it declares {self.declares}): an RDS credential"


def _inside(address: str, module: str) -> bool:
    return address.startswith((module + ".", module + "["))


def _is_database_module(deployment: Deployment, module: str) -> bool:
    """Is ``module`` (a module CTJ020 counts: it holds a database block at some depth) the database's, so that
    the secrets it creates are the database's?  Yes when it holds a database block itself, or when it deploys no
    application (no task definition or ECS service inside: a wrapper around the database module).  A project
    module (``module.civic-tech-jobs`` in a whole-tree run) calls the database module beside its task: the secrets
    it creates there are not the database's."""
    depth = len(address_labels(module))
    if any(d.kind != "module" and _inside(d.address, module) and address_labels(d.address)[depth] != "module" for d in deployment.databases):
        return True
    return not any(_inside(r.address, module) for r in (*deployment.task_definitions, *deployment.services))


def database_secret(deployment: Deployment, value_from: Any) -> DatabaseSecret | None:
    """The secret a ``valueFrom`` reads when a database module (one CTJ020 counts: it declares a managed-database
    type, never by its name) creates it; None otherwise or when that cannot be told."""
    from .secrets import _secret_resource, secret_key

    found = _secret_resource(deployment, secret_key(value_from).secret)
    if isinstance(found, Secret):
        address, source = found.address, f"{address_type(found.address)[1]} {found.address}"
    elif isinstance(found, Ref) and found.address.startswith("module."):
        address, source = found.address, found.describe()
    else:
        return None
    modules = [
        d for d in deployment.databases
        if d.kind == "module" and (address == d.address or _inside(address, d.address)) and _is_database_module(deployment, d.address)
    ]
    if not modules:
        return None
    module = max(modules, key=lambda d: len(d.address))
    blocks = [d for d in deployment.databases if d.kind != "module" and _inside(d.address, module.address)]
    if not blocks:
        return None
    rds = [d for d in blocks if is_managed_database_type(*address_type(d.address))]
    block = (rds or blocks)[0]
    declares = f"{_describe(block.address)} {block.address}"
    return DatabaseSecret(source, module.address, declares, output=address == module.address)
