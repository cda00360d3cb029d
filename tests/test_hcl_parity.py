"""HCL verdicts == plan verdicts, fixture pair by fixture pair.

``fixtures/terraform/stage1`` is the source of ``fixtures/plans/whole-account.json``
and ``legacy`` of ``legacy.json``; each ``fail-ctj0NN-*`` plan is paired with
the stage1 tree plus the same single mutation, written here as a small textual
patch applied to a copy (so the variants cannot drift from stage1).

Two comparisons, so that a rule that breaks in both modes alike is still caught:
the HCL verdict of every rule against the fixture's exact expected verdict
(fixtures/plans/expected.json via tests/expected_verdicts.py, written without
running the tool), and HCL against plan on (rule_id, status, address) of every
result (the two loaders agree on what the rules see).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import PLANS, TERRAFORM
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.hcl import load_hcl
from ctj_policy.loaders.plan import load_plan
from ctj_policy.rules import TERRAFORM_RULES
from expected_verdicts import expected_verdicts, verdicts

ALL_IDS = [r.id for r in TERRAFORM_RULES]  # CTJ040-CTJ044 run only with --workflow (tests/test_lockstep_e2e.py)

ENV = "projects/civic-tech-jobs/environment-stage.tf"
ECR = "projects/civic-tech-jobs/civic-tech-jobs.tf"
SVC = "modules/multi-container-service/main.tf"
CONTAINERS_END = "    },\n  ]\n}\n"  # the end of environment-stage.tf: after the postgres container


def sub(path: str, old: str, new: str):
    return ("sub", path, old, new)


def resub(path: str, pattern: str, new: str):
    return ("re", path, pattern, new)


def append(path: str, text: str):
    return ("append", path, text, None)


def add_container(text: str):
    return sub(ENV, CONTAINERS_END, "    },\n" + text + "  ]\n}\n")


def env(container_env_line: str, new_line: str):
    return sub(ENV, container_env_line, new_line)


DJANGO_ENV_END = '{ name = "DJANGO_DEBUG", value = "False" },\n'
NEXTJS_ENV_END = '{ name = "API_URL", value = "http://localhost:8000" },\n'

VARIANTS: dict[str, list] = {
    "fail-ctj001-log-router-sidecar": [
        add_container(
            '    {\n      name                  = "log-router"\n'
            '      image                 = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"\n'
            "      essential             = false\n      memory                = 128\n"
            '      firelensConfiguration = { type = "fluentbit" }\n    },\n'
        )
    ],
    "fail-ctj001-worker": [
        add_container(
            '    {\n      name      = "worker"\n'
            '      image     = "${module.civic_tech_jobs_ecr_backend.repository_url}:stage"\n'
            '      essential = true\n      command   = ["celery", "-A", "ctj", "worker"]\n'
            "      environment = [\n"
            '        { name = "SQL_HOST", value = "localhost" },\n'
            '        { name = "SQL_PORT", value = "5432" },\n'
            '        { name = "SQL_DATABASE", value = local.db_name },\n'
            '        { name = "SQL_USER", value = local.db_user },\n'
            '        { name = "DJANGO_ALLOWED_HOSTS", value = module.civic_tech_jobs_stage_dns_entry.full_dns_name },\n'
            '        { name = "DJANGO_DEBUG", value = "False" },\n'
            "      ]\n      secrets = [\n"
            '        { name = "SQL_PASSWORD", valueFrom = "${local.db_secret}:password::" },\n'
            '        { name = "DJANGO_SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn },\n'
            "      ]\n"
            '      dependsOn = [{ containerName = "postgres", condition = "HEALTHY" }]\n    },\n'
        )
    ],
    "fail-ctj002-legacy-ecr": [
        append(ECR, '\nmodule "civic_tech_jobs_ecr_fullstack" {\n  source       = "../../modules/ecr"\n'
               '  project_name = "civic-tech-jobs-fullstack"\n}\n')
    ],
    "fail-ctj003-bridge-network": [sub(ENV, '  launch_type  = "EC2"\n', '  launch_type  = "EC2"\n  network_mode = "bridge"\n')],
    "fail-ctj004-postgres-ecr-repo": [
        append(ECR, '\nmodule "civic_tech_jobs_ecr_postgres" {\n  source       = "../../modules/ecr"\n'
               '  project_name = "civic-tech-jobs-postgres"\n}\n')
    ],
    "fail-ctj004-missing-backend-repo": [
        resub(ECR, r'module "civic_tech_jobs_ecr_backend" \{.*?\n\}\n', ""),
        sub(ENV, '"${module.civic_tech_jobs_ecr_backend.repository_url}:stage"',
            '"123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage"'),
    ],
    "fail-ctj010-catch-all-first": [sub(ENV, '  launch_type  = "EC2"\n', '  launch_type  = "EC2"\n  frontend_priority = 90\n')],
    "fail-ctj010-no-admin-rule": [resub(SVC, r'resource "aws_lb_listener_rule" "admin" \{.*?\n\}\n', "")],
    "fail-ctj011-frontend-port-3001": [
        sub(SVC, "    container_name   = var.frontend.container_name\n    container_port   = var.frontend.port\n",
            "    container_name   = var.frontend.container_name\n    container_port   = 3001\n")
    ],
    "fail-ctj011-instance-target-type": [
        sub(SVC, '  port        = var.frontend.port\n  protocol    = "HTTP"\n  target_type = "ip"\n',
            '  port        = var.frontend.port\n  protocol    = "HTTP"\n  target_type = "instance"\n')
    ],
    "fail-ctj012-sg-5432": [
        sub(ENV, '    { from_port = 8000, to_port = 8000, protocol = "tcp" },\n',
            '    { from_port = 8000, to_port = 8000, protocol = "tcp" },\n'
            '    { from_port = 5432, to_port = 5432, protocol = "tcp" },\n')
    ],
    "fail-ctj012-port-range": [
        resub(ENV, r"  ingress = \[\n.*?\n  \]\n", '  ingress = [\n    { from_port = 0, to_port = 65535, protocol = "tcp" },\n  ]\n')
    ],
    "fail-ctj012-all-traffic": [
        sub(ENV, '    { from_port = 8000, to_port = 8000, protocol = "tcp" },\n',
            '    { from_port = 8000, to_port = 8000, protocol = "tcp" },\n'
            '    { from_port = 0, to_port = 0, protocol = "-1" },\n')
    ],
    "fail-ctj012-target-group-5432": [
        append(SVC, '\nresource "aws_lb_target_group" "postgres" {\n  name        = "ctj-stage-postgres"\n'
               '  port        = 5432\n  protocol    = "TCP"\n  target_type = "ip"\n  vpc_id      = var.vpc_id\n}\n')
    ],
    "fail-ctj020-database-module": [
        append(ENV, '\nmodule "civic_tech_jobs_stage_database" {\n  source       = "../../modules/database"\n'
               '  project_name = "civic_tech_jobs"\n  environment  = "stage"\n}\n')
    ],
    "fail-ctj020-rds-instance": [
        append(ENV, '\nresource "aws_db_instance" "ctj" {\n  identifier     = "civic-tech-jobs-stage"\n'
               '  engine         = "postgres"\n  engine_version = "18.1"\n  instance_class = "db.t4g.micro"\n'
               '  username       = "ctj"\n  manage_master_user_password = true\n}\n')
    ],
    "fail-ctj021-postgres-latest": [sub(ENV, '"postgres:18.1"', '"postgres:latest"')],
    "fail-ctj021-postgres-untagged": [sub(ENV, '"postgres:18.1"', '"postgres"')],
    "fail-ctj021-postgres-16": [sub(ENV, '"postgres:18.1"', '"postgres:16.4"')],
    "fail-ctj022-rds-host": [
        env('{ name = "SQL_HOST", value = "localhost" }',
            '{ name = "SQL_HOST", value = "incubator-prod-database.cabcdefghijk.us-west-2.rds.amazonaws.com" }')
    ],
    "fail-ctj022-db-name-mismatch": [
        env('{ name = "SQL_DATABASE", value = local.db_name }', '{ name = "SQL_DATABASE", value = "civictechjobs" }')
    ],
    "fail-ctj022-port-5433": [env('{ name = "SQL_PORT", value = "5432" }', '{ name = "SQL_PORT", value = "5433" }')],
    "fail-ctj023-whole-secret": [
        sub(ENV, '{ name = "SQL_PASSWORD", valueFrom = "${local.db_secret}:password::" }',
            '{ name = "SQL_PASSWORD", valueFrom = local.db_secret }')
    ],
    "fail-ctj023-separate-secrets": [
        sub(ENV, '{ name = "SQL_PASSWORD", valueFrom = "${local.db_secret}:password::" }',
            '{ name = "SQL_PASSWORD", valueFrom = "${aws_secretsmanager_secret.django.arn}:db_password::" }')
    ],
    "fail-ctj024-fargate-bind-mount": [
        sub(ENV, '  launch_type  = "EC2"\n', '  launch_type  = "FARGATE"\n'),
        resub(ENV, r"  efs_volumes = \[\n.*?\n  \]\n", '  bind_volumes = [{ name = "pgdata" }]\n'),
    ],
    "fail-ctj024-docker-task-scope": [
        resub(ENV, r"  efs_volumes = \[\n.*?\n  \]\n", '  docker_volumes = [{ name = "pgdata", scope = "task" }]\n'),
    ],
    "fail-ctj024-read-only-mount": [sub(ENV, "readOnly = false", "readOnly = true")],
    "fail-ctj025-no-pgdata": [sub(ENV, '        { name = "PGDATA", value = "/var/lib/postgresql/data/pgdata" },\n', "")],
    "fail-ctj025-pgdata-outside": [sub(ENV, '"/var/lib/postgresql/data/pgdata"', '"/srv/pgdata"')],
    "fail-ctj026-max-percent-200": [sub(ENV, "deployment_maximum_percent         = 100", "deployment_maximum_percent         = 200")],
    "fail-ctj026-desired-count-2": [sub(ENV, "desired_count                      = 1", "desired_count                      = 2")],
    "fail-ctj026-min-healthy-100": [
        sub(ENV, "deployment_minimum_healthy_percent = 0", "deployment_minimum_healthy_percent = 100")
    ],
    "fail-ctj026-autoscaling": [
        append(SVC, '\nresource "aws_appautoscaling_target" "service" {\n  max_capacity       = 2\n  min_capacity       = 1\n'
               '  service_namespace  = "ecs"\n  scalable_dimension = "ecs:service:DesiredCount"\n'
               '  resource_id        = "service/incubator-prod/${aws_ecs_service.this.name}"\n}\n')
    ],
    "fail-ctj027-no-healthcheck": [resub(ENV, r"      healthCheck = \{\n.*?\n      \}\n", "")],
    "fail-ctj027-depends-start": [
        sub(ENV, '{ containerName = "postgres", condition = "HEALTHY" }', '{ containerName = "postgres", condition = "START" }')
    ],
    "fail-ctj030-next-public-env": [
        sub(ENV, NEXTJS_ENV_END, NEXTJS_ENV_END + '        { name = "NEXT_PUBLIC_API_URL", value = "https://stage.civictechjobs.org/api" },\n')
    ],
    "fail-ctj031-api-token": [
        sub(ENV, DJANGO_ENV_END, DJANGO_ENV_END + '        { name = "DJANGO_API_TOKEN", value = "ctj-q8vN3xK2pL7mR4tW9yB6cF1hJ5sD" },\n')
    ],
    "fail-ctj031-sensitive-value": [
        sub(ENV, DJANGO_ENV_END, DJANGO_ENV_END
            + '        { name = "DATABASE_URL", value = "postgres://ctj:${random_password.db.result}@localhost:5432/ctj" },\n')
    ],
    "fail-ctj032-debug-true": [sub(ENV, '{ name = "DJANGO_DEBUG", value = "False" }', '{ name = "DJANGO_DEBUG", value = "True" }')],
    "fail-ctj032-empty-allowed-hosts": [
        sub(ENV, '{ name = "DJANGO_ALLOWED_HOSTS", value = module.civic_tech_jobs_stage_dns_entry.full_dns_name }',
            '{ name = "DJANGO_ALLOWED_HOSTS", value = "" }')
    ],
    "fail-ctj032-secret-key-missing": [
        sub(ENV, '        { name = "DJANGO_SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn },\n', "")
    ],
}


def make_variant(name: str, dest: Path) -> Path:
    """A copy of the stage1 tree with ``name``'s mutation applied."""
    root = dest / name
    shutil.copytree(TERRAFORM / "stage1", root)
    for kind, rel, a, b in VARIANTS[name]:
        path = root / rel
        text = path.read_text()
        if kind == "sub":
            assert text.count(a) == 1, f"{name}: patch anchor not found exactly once in {rel}: {a!r}"
            text = text.replace(a, b)
        elif kind == "re":
            new, n = re.subn(a, b, text, count=1, flags=re.S)
            assert n == 1, f"{name}: pattern {a!r} not found in {rel}"
            text = new
        else:
            text += a
        path.write_text(text)
    return root


def results(loaded) -> set[tuple]:
    evaluation = evaluate(loaded.deployment, DEFAULT)
    return {(r.rule_id, r.status, r.address) for r in evaluation.results}


def _assert_expected(fixture: str, loaded) -> None:
    """Every rule's verdict on the HCL tree is the one expected of the plan fixture it is the source of."""
    got = verdicts(evaluate(loaded.deployment, DEFAULT).results)
    expected = expected_verdicts(fixture, ALL_IDS)
    assert set(got) == set(ALL_IDS), f"rules that reported nothing: {sorted(set(ALL_IDS) - set(got))}"
    wrong = {rid: (got[rid], sorted(allowed)) for rid, allowed in expected.items() if got[rid] not in allowed}
    assert not wrong, f"{fixture} (HCL): rule -> (got, expected): {wrong}"


def _assert_same(plan_file: Path, tf_dir: Path, scope=None, **hcl_kw):
    hcl_loaded = load_hcl(tf_dir, DEFAULT, scope=scope, **hcl_kw)
    _assert_expected(plan_file.name, hcl_loaded)
    plan = results(load_plan(str(plan_file), DEFAULT, scope=scope))
    hcl = results(hcl_loaded)
    assert hcl == plan, f"plan only: {sorted(plan - hcl, key=str)}\nhcl only: {sorted(hcl - plan, key=str)}"
    return hcl


def test_every_fail_plan_has_an_hcl_variant():
    plans = {p.stem for p in PLANS.glob("fail-*.json")}
    assert plans == set(VARIANTS), f"missing: {sorted(plans - set(VARIANTS))}, extra: {sorted(set(VARIANTS) - plans)}"


def test_whole_account_matches_stage1_tree():
    _assert_same(PLANS / "whole-account.json", TERRAFORM / "stage1")


def test_legacy_matches_legacy_tree():
    _assert_same(PLANS / "legacy.json", TERRAFORM / "legacy")


def test_stage1_project_directory():
    """The project directory checked on its own (scope = everything): the plan made inside it."""
    _assert_same(PLANS / "stage1-project.json", TERRAFORM / "stage1" / "projects" / "civic-tech-jobs", variables={"vpc_cidr": "10.10.0.0/16"})


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_fault_variant_matches_plan(name, tmp_path):
    _assert_same(PLANS / f"{name}.json", make_variant(name, tmp_path))
