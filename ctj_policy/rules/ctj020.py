"""CTJ020: no managed database."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, UNKNOWN, Deployment, Finding, Subject, describe
from .base import ANCHOR, DATA_DATABASES, DATABASES, CheckovNotes, Rule
from .common import failed, passed, scope_subject

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
    for mod in deployment.unevaluated_modules:
        # what an unread module deploys is not known: it may declare a database (its name does not tell)
        out.append(Finding(UNKNOWN, f"cannot tell whether module call {mod.address} declares a managed database: {mod.reason}", mod.address, mod.location, Subject("block", mod.address)))
    yield from out or [passed("no RDS instance, cluster, proxy, RDS data source, postgresql_* resource or database module in scope", subject=scope_subject(deployment))]


BAD = """\
# what the incubator's modules/database declares: the shared RDS, read, and a database on it
data "aws_db_instance" "shared" {
  db_instance_identifier = "incubator-prod-database"
}

resource "postgresql_database" "db" {
  name = "civic_tech_jobs_stage"
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  # Postgres runs in the task instead
  container_definitions = jsonencode([
    { name = "postgres", image = "postgres:18" },
  ])
}
"""


RULE = Rule(
    id="CTJ020",
    title="no RDS",
    severity=ERROR,
    summary="no RDS, RDS data source, `postgresql_*` resource or database module in CTJ",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) drops RDS: the civic_tech_jobs_stage_database module call "
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
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_020",
    resource_types=DATABASES + ANCHOR,
    checkov=CheckovNotes(
        data=DATA_DATABASES,
        hcl=DATABASES,
        note="plan mode: database module calls and data sources (which plan-mode Checkov never hands a check) are "
        "reported on the anchor. HCL mode: database resources and data sources; module calls: ctj-policy only",
    ),
)
