"""CTJ020: no managed database (RDS, a database module, postgresql_* resources) in scope."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, DatabaseResource, Unknown

from .builders import SCOPE, case, chain, findings, hcl_findings, legacy, tf_tree

RULE = "CTJ020"
PASS = ("pass", "no RDS instance, cluster, proxy, RDS data source, postgresql_* resource or database module in scope")
DB_MOD = f"{SCOPE}.module.civic_tech_jobs_stage_database"


def add_db(address, **fields):
    def mutate(dep):
        dep.databases.append(DatabaseResource(address, **fields))
        return dep

    return mutate


def fails(kind, address, ident=""):
    return ("fail", f"{kind} {address}{ident} is in scope; Stage 1 runs Postgres in the task, not on RDS")


CASES = [
    case("stage1", chain(), PASS),
    case(
        "legacy database module",
        legacy,
        fails("database module call", DB_MOD),
        fails("managed database data source", f"{DB_MOD}.data.aws_db_instance.shared", " ('incubator-prod-database')"),
        fails("managed database resource", f"{DB_MOD}.postgresql_role.this"),
    ),
    case(
        "an aws_db_instance",
        chain(add_db(f"{SCOPE}.aws_db_instance.ctj", identifier="ctj-stage")),
        fails("managed database resource", f"{SCOPE}.aws_db_instance.ctj", " ('ctj-stage')"),
    ),
    case(
        "an aws_rds_cluster whose identifier is known after apply: the resource alone decides",
        chain(add_db(f"{SCOPE}.aws_rds_cluster.ctj", identifier=Unknown(KNOWN_AFTER_APPLY, "id"))),
        fails("managed database resource", f"{SCOPE}.aws_rds_cluster.ctj"),
    ),
    case(
        "an unknown kind still fails",
        chain(add_db(f"{SCOPE}.x.y", kind="other")),
        fails("database", f"{SCOPE}.x.y"),
    ),
    # CTJ020 has no unknown branch: which resource types are in scope is always known
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, PASS),
    case(
        "an RDS instance",
        {"rds.tf": 'resource "aws_db_instance" "ctj" {\n  identifier     = "civic-tech-jobs-stage"\n  engine         = "postgres"\n  instance_class = "db.t4g.micro"\n}\n'},
        ("fail", "managed database resource aws_db_instance.ctj ('civic-tech-jobs-stage') is in scope; Stage 1 runs Postgres in the task, not on RDS", "rds.tf:1"),
    ),
    case(
        "the shared RDS read through a data source",
        {"rds.tf": 'data "aws_db_instance" "shared" {\n  db_instance_identifier = "incubator-prod-database"\n}\n'},
        # (plan mode names the identifier from the data source's values; HCL mode does not read it)
        ("fail", "managed database data source data.aws_db_instance.shared is in scope; Stage 1 runs Postgres in the task, not on RDS", "rds.tf:1"),
    ),
    case(
        "a postgresql_role",
        {"rds.tf": 'resource "postgresql_role" "ctj" {\n  name  = "ctj"\n  login = true\n}\n'},
        ("fail", "managed database resource postgresql_role.ctj is in scope; Stage 1 runs Postgres in the task, not on RDS", "rds.tf:1"),
    ),
    case(
        "a database module call",
        {"rds.tf": 'module "stage_database" {\n  source = "./modules/database"\n}\n', "modules/database/main.tf": 'variable "name" {\n  default = "ctj"\n}\n'},
        ("fail", "database module call module.stage_database ('./modules/database') is in scope; Stage 1 runs Postgres in the task, not on RDS", "rds.tf:1"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
