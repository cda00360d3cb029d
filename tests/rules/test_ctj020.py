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
        "a module named database that declares no database is not a database module (names decide nothing)",
        {"rds.tf": 'module "stage_database" {\n  source = "./modules/database"\n}\n', "modules/database/main.tf": 'variable "name" {\n  default = "ctj"\n}\n'},
        PASS,
    ),
    case(
        "a module whose name says nothing but which declares a postgresql_role is a database module",
        {
            "app.tf": 'module "stage_app" {\n  source = "./modules/app"\n}\n',
            "modules/app/main.tf": 'resource "postgresql_role" "r" {\n  name = "ctj"\n}\n',
        },
        ("fail", "database module call module.stage_app ('./modules/app') is in scope; Stage 1 runs Postgres in the task, not on RDS", "app.tf:1"),
        ("fail", "managed database resource module.stage_app.postgresql_role.r is in scope; Stage 1 runs Postgres in the task, not on RDS", "modules/app/main.tf:1"),
    ),
    case(
        "transitively: a module that calls a module reading the shared RDS; a secret module named db_password is not one",
        {
            "app.tf": 'module "stage" {\n  source = "./modules/stage"\n}\n',
            "modules/stage/main.tf": 'module "inner" {\n  source = "../rds"\n}\nmodule "db_password" {\n  source = "../secret"\n}\n',
            "modules/rds/main.tf": 'data "aws_db_instance" "shared" {\n  db_instance_identifier = "incubator-prod-database"\n}\n',
            "modules/secret/main.tf": 'resource "aws_ssm_parameter" "p" {\n  name  = "/ctj/db-password"\n  type  = "SecureString"\n  value = "x"\n}\n',
        },
        ("fail", "database module call module.stage ('./modules/stage') is in scope; Stage 1 runs Postgres in the task, not on RDS", "app.tf:1"),
        ("fail", "database module call module.stage.module.inner ('../rds') is in scope; Stage 1 runs Postgres in the task, not on RDS", "modules/stage/main.tf:1"),
        ("fail", "managed database data source module.stage.module.inner.data.aws_db_instance.shared is in scope; Stage 1 runs Postgres in the task, not on RDS", "modules/rds/main.tf:1"),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


def test_hcl_a_module_whose_source_is_not_read_is_unknown_whatever_its_name(tmp_path):
    found = hcl_findings(RULE, tf_tree(tmp_path, {"rds.tf": 'module "stage_database" {\n  source = "git::https://example.com/db.git"\n}\n'}))
    assert [(s, loc) for s, _m, loc in found] == [("unknown", "rds.tf:1")]
    assert found[0][1].startswith("cannot tell whether module call module.stage_database declares a managed database: ")
