"""CTJ020: no managed database."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, describe
from .base import Rule
from .common import failed, finish

_KIND = {
    "resource": "managed database resource",
    "data": "managed database data source",
    "module": "database module call",
}


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    out: list[Finding] = []
    for db in deployment.databases:
        kind = _KIND.get(db.kind, "database")
        ident = f" ('{describe(db.identifier)}')" if isinstance(db.identifier, str) else ""
        out.append(failed(f"{kind} {db.address}{ident} is in scope; Stage 1 runs Postgres in the task, not on RDS", db))
    yield from finish(out, "no RDS instance, cluster, proxy, RDS data source, postgresql_* resource or database module in scope")


RULE = Rule(
    id="CTJ020",
    title="no RDS",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 001, part 4; seed 000) drops RDS: the civic_tech_jobs_stage_database module call "
        "goes away and Postgres runs as a container in the task, the only database in scope for the rewrite. Any "
        "aws_db_instance, aws_rds_cluster(_instance), aws_db_proxy, RDS data source, postgresql_* resource or "
        "database module call inside the CTJ scope means CTJ still provisions or reads managed storage. The shared "
        "incubator RDS outside the CTJ module is not CTJ's and is never reported."
    ),
    remediation=(
        "Delete module \"civic_tech_jobs_stage_database\" (and any data.aws_db_instance, postgresql_role, "
        "postgresql_database) from terraform/projects/civic-tech-jobs/, and wire the backend's SQL_* variables to "
        "the in-task Postgres container instead."
    ),
    check=check,
)
