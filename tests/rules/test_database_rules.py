"""CTJ020-CTJ027: no RDS, the Postgres image, connection, credentials, storage, single writer, start order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    DatabaseResource,
    Dependency,
    DockerVolumeConfig,
    MountPoint,
    Ref,
    Template,
    Unknown,
    Volume,
)

from .builders import (
    DB_ARN,
    DJANGO_ARN,
    ECR_BACKEND,
    SCOPE,
    SECRET_DB,
    SECRET_DJANGO,
    SERVICE,
    TASK,
    autoscaling,
    del_env,
    del_secret,
    edit,
    env_to_secret,
    legacy,
    run,
    secret_to_env,
    service,
    set_env,
    set_secret,
    stage1,
    task,
    unknown_containers,
)

AFTER_APPLY = f"{TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"
NO_TASK = "no CTJ task definition in scope (see CTJ001)"


def case(id, build, *expected):
    return pytest.param(build, list(expected), id=id)


def chain(*mutators, symbolic=False):
    def build():
        dep = stage1(symbolic)
        for m in mutators:
            dep = m(dep)
        return dep

    return build


def image(value):
    return lambda d: edit(d, "postgres", image=value)


def no_task(dep):
    return replace(dep, task_definitions=[])


# ---------------------------------------------------------------- CTJ020

CTJ020 = [
    case("stage1", chain(), ("pass", "no RDS instance, cluster, proxy, RDS data source, postgresql_* resource or database module in scope")),
    case(
        "legacy database module",
        legacy,
        ("fail", f"database module call {SCOPE}.module.civic_tech_jobs_stage_database is in scope; Stage 1 runs Postgres in the task, not on RDS"),
        ("fail", f"managed database data source {SCOPE}.module.civic_tech_jobs_stage_database.data.aws_db_instance.shared ('incubator-prod-database') is in scope; Stage 1 runs Postgres in the task, not on RDS"),
        ("fail", f"managed database resource {SCOPE}.module.civic_tech_jobs_stage_database.postgresql_role.this is in scope; Stage 1 runs Postgres in the task, not on RDS"),
    ),
    case(
        "an aws_db_instance",
        chain(lambda d: [d.databases.append(DatabaseResource(f"{SCOPE}.aws_db_instance.ctj", identifier="ctj-stage")), d][1]),
        ("fail", f"managed database resource {SCOPE}.aws_db_instance.ctj ('ctj-stage') is in scope; Stage 1 runs Postgres in the task, not on RDS"),
    ),
]


@pytest.mark.parametrize("build, expected", CTJ020)
def test_ctj020(build, expected):
    assert run("CTJ020", build()) == expected


# ---------------------------------------------------------------- CTJ021


def ok021(tag, name="'postgres'"):
    return ("pass", f"database container {name} runs the official postgres image pinned to '{tag}' (major 18)")


CTJ021 = [
    case("postgres:18.1", chain(), ok021("18.1")),
    case("postgres:18", chain(image("postgres:18")), ok021("18")),
    case("18.1-bookworm", chain(image("postgres:18.1-bookworm")), ok021("18.1-bookworm")),
    case("18-alpine", chain(image("postgres:18-alpine")), ok021("18-alpine")),
    case("library/postgres", chain(image("library/postgres:18")), ok021("18")),
    case("docker.io with digest", chain(image("docker.io/library/postgres:18@sha256:" + "a" * 64)), ok021("18")),
    case("public.ecr.aws mirror", chain(image("public.ecr.aws/docker/library/postgres:18.1")), ok021("18.1")),
    case("latest", chain(image("postgres:latest")), ("fail", "database image tag 'latest' is not a pinned version (floating or pre-release); pin postgres:18")),
    case("no tag", chain(image("postgres")), ("fail", "database image 'postgres' has no tag (that is 'latest'); pin postgres:18")),
    case(
        "digest only",
        chain(image("postgres@sha256:" + "b" * 64)),
        ("fail", f"database image 'postgres@sha256:{'b' * 64}' is pinned by digest only, so its major cannot be checked; add the tag (postgres:18@sha256:...)"),
    ),
    case("postgres:17", chain(image("postgres:17")), ("fail", "database image tag '17' is Postgres 17, not the decided major 18")),
    case(
        "not the official repository (role by name)",
        chain(image("bitnami/postgresql:18")),
        ("fail", "database container 'postgres' image 'bitnami/postgresql:18' is not the official postgres repository (postgres, library/postgres, docker.io/library/postgres, public.ecr.aws/docker/library/postgres)"),
    ),
    case(
        "image from an ECR Ref",
        chain(image(Template((Ref(ECR_BACKEND, "repository_url"), ":pg"))), symbolic=True),
        ("fail", f"task {TASK} has no database container: the database image must be postgres:18"),
    ),
    case(
        "tag from a variable",
        chain(image(Template(("postgres:", Unknown("unresolved reference", "var.pg_version"))))),
        ("unknown", "tag of database image 'postgres:${var.pg_version is unresolved reference}' is not known: var.pg_version is unresolved reference"),
    ),
    case(
        "image unknown (role by name)",
        chain(image(Unknown(KNOWN_AFTER_APPLY, "var.db_image"))),
        ("unknown", "image of database container 'postgres' is not known: var.db_image is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the database container of {TASK}: {AFTER_APPLY}")),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: the database image must be postgres:18")),
]


@pytest.mark.parametrize("build, expected", CTJ021)
def test_ctj021(build, expected):
    assert run("CTJ021", build()) == expected


# ---------------------------------------------------------------- CTJ022

PASS022 = ("pass", "backend 'django' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB")


def user_secrets(backend_key, db_key):
    """SQL_USER / POSTGRES_USER from secrets (JSON keys given)."""
    return lambda d: env_to_secret(env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:{backend_key}::"), "postgres", "POSTGRES_USER", f"{DB_ARN}:{db_key}::")


CTJ022 = [
    case("stage1", chain(), PASS022),
    case("SQL_HOST 127.0.0.1, SQL_PORT int", chain(lambda d: set_env(set_env(d, "django", "SQL_HOST", "127.0.0.1"), "django", "SQL_PORT", 5432)), PASS022),
    case("SQL_HOST ::1", chain(lambda d: set_env(d, "django", "SQL_HOST", "::1")), PASS022),
    case(
        "SQL_HOST from a secret cannot be compared",
        chain(lambda d: env_to_secret(d, "django", "SQL_HOST", f"{DB_ARN}:host::")),
        ("unknown", f"SQL_HOST of backend 'django' comes from secret {DB_ARN} key 'host', so its value cannot be checked; set it to localhost in environment"),
    ),
    case(
        "SQL_PORT missing",
        chain(lambda d: del_env(d, "django", "SQL_PORT")),
        ("fail", "backend 'django' does not set SQL_PORT; set it to 5432"),
    ),
    case(
        "image defaults: user postgres, db = user",
        chain(lambda d: del_env(del_env(d, "postgres", "POSTGRES_USER"), "postgres", "POSTGRES_DB"), lambda d: set_env(set_env(d, "django", "SQL_USER", "postgres"), "django", "SQL_DATABASE", "postgres")),
        PASS022,
    ),
    case(
        "POSTGRES_DB unset defaults to POSTGRES_USER",
        chain(lambda d: del_env(d, "postgres", "POSTGRES_DB")),
        PASS022,
    ),
    case("user from the same secret key", chain(user_secrets("username", "username")), PASS022),
    case("user from the same secret key, Template valueFrom", chain(
        lambda d: env_to_secret(env_to_secret(d, "django", "SQL_USER", Template((Ref(SECRET_DB, "arn"), ":username::"))), "postgres", "POSTGRES_USER", Template((Ref(SECRET_DB, "arn"), ":username::"))),
        symbolic=True,
    ), PASS022),
    case(
        "SQL_HOST is the RDS host",
        chain(lambda d: set_env(d, "django", "SQL_HOST", "incubator-prod-database.abc.us-west-2.rds.amazonaws.com")),
        ("fail", "backend 'django' SQL_HOST is 'incubator-prod-database.abc.us-west-2.rds.amazonaws.com', not localhost: the database runs in the task"),
    ),
    case(
        "SQL_HOST from a module output",
        chain(lambda d: set_env(d, "django", "SQL_HOST", Ref(f"{SCOPE}.module.civic_tech_jobs_stage_database", "host"))),
        ("unknown", f"SQL_HOST of backend 'django' is not known: {SCOPE}.module.civic_tech_jobs_stage_database.host is known only after apply"),
    ),
    case("SQL_HOST missing", chain(lambda d: del_env(d, "django", "SQL_HOST")), ("fail", "backend 'django' does not set SQL_HOST; set it to localhost")),
    case("SQL_PORT 5433", chain(lambda d: set_env(d, "django", "SQL_PORT", "5433")), ("fail", "backend 'django' SQL_PORT is '5433', not 5432")),
    case("SQL_USER differs", chain(lambda d: set_env(d, "django", "SQL_USER", "app")), ("fail", "backend SQL_USER 'app' differs from database POSTGRES_USER 'ctj'")),
    case(
        "SQL_DATABASE differs from the defaulted POSTGRES_DB",
        chain(lambda d: del_env(d, "postgres", "POSTGRES_DB"), lambda d: set_env(d, "postgres", "POSTGRES_USER", "owner")),
        ("fail", "backend SQL_USER 'ctj' differs from database POSTGRES_USER 'owner'"),
        ("fail", "backend SQL_DATABASE 'ctj' differs from database POSTGRES_DB (unset: defaults to POSTGRES_USER) 'owner'"),
    ),
    case(
        "user from different secret keys",
        chain(user_secrets("username", "owner")),
        ("fail", f"backend SQL_USER (from secret {DB_ARN} key 'username') differs from database POSTGRES_USER (from secret {DB_ARN} key 'owner')"),
    ),
    case(
        "secret on one side, literal on the other",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:username::")),
        ("unknown", f"cannot compare backend SQL_USER (from secret {DB_ARN} key 'username') with database POSTGRES_USER 'ctj': one comes from a secret, the other is literal; source both from the same secret key or both as literals"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the backend container of {TASK}: {AFTER_APPLY}")),
    case("no backend", chain(lambda d: edit(d, "django", name="worker", image="busybox")), ("fail", f"task {TASK} has no backend container: the backend cannot be checked against the database")),
]


@pytest.mark.parametrize("build, expected", CTJ022)
def test_ctj022(build, expected):
    assert run("CTJ022", build()) == expected


# ---------------------------------------------------------------- CTJ023


def pass023(described):
    return ("pass", f"POSTGRES_PASSWORD and SQL_PASSWORD come from the same secret and key ({described})")


CTJ023 = [
    case("stage1 literal ARNs", chain(), pass023(f"{DB_ARN} key 'password'")),
    case("stage1 same Template valueFrom", chain(symbolic=True), pass023(f"${{{SECRET_DB}.arn}} key 'password'")),
    case(
        "trailing colons do not matter",
        chain(lambda d: set_secret(d, "django", "SQL_PASSWORD", f"{DB_ARN}:password")),
        pass023(f"{DB_ARN} key 'password'"),
    ),
    case(
        "Ref on one side, the same secret's literal ARN on the other",
        chain(lambda d: set_secret(d, "django", "SQL_PASSWORD", Template((Ref(SECRET_DB, "arn"), ":password::")))),
        pass023(f"{DB_ARN} key 'password'"),
    ),
    case(
        "different JSON key",
        chain(lambda d: set_secret(d, "django", "SQL_PASSWORD", f"{DB_ARN}:admin_password::")),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DB_ARN} key 'admin_password') are not the same secret and key: the backend would log in with a different password"),
    ),
    case(
        "different secret (Refs)",
        chain(lambda d: set_secret(d, "django", "SQL_PASSWORD", Template((Ref(SECRET_DJANGO, "arn"), ":password::"))), symbolic=True),
        ("fail", f"POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD (${{{SECRET_DJANGO}.arn}} key 'password') are not the same secret and key: the backend would log in with a different password"),
    ),
    case(
        "SQL_PASSWORD in plaintext environment",
        chain(lambda d: secret_to_env(d, "django", "SQL_PASSWORD", "hunter2-plaintext")),
        ("fail", "SQL_PASSWORD of 'django' is in plaintext environment; move it to secrets (valueFrom the shared credential secret)"),
    ),
    case(
        "POSTGRES_PASSWORD missing",
        chain(lambda d: del_secret(d, "postgres", "POSTGRES_PASSWORD")),
        ("fail", "'postgres' does not set POSTGRES_PASSWORD; take it from the shared credential secret in secrets"),
    ),
    case(
        "password from a module output vs a secret",
        chain(lambda d: set_secret(d, "django", "SQL_PASSWORD", Ref(f"{SCOPE}.module.civic_tech_jobs_stage_database", "owner_password_arn"))),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD (${{{SCOPE}.module.civic_tech_jobs_stage_database.owner_password_arn}}) are the same secret and key: a value is known only after apply"),
    ),
    case(
        "user secret from another secret",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", f"{DJANGO_ARN}:username::")),
        ("fail", f"SQL_USER of 'django' comes from {DJANGO_ARN} key 'username', not the credential secret of POSTGRES_PASSWORD"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the credential secret: {AFTER_APPLY}")),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: POSTGRES_PASSWORD and SQL_PASSWORD cannot share a secret")),
]


@pytest.mark.parametrize("build, expected", CTJ023)
def test_ctj023(build, expected):
    assert run("CTJ023", build()) == expected


# ---------------------------------------------------------------- CTJ024 / CTJ025


def volume(v, compat=("EC2",), launch="EC2"):
    def mutate(dep):
        t = task(dep)
        t.volumes = (v,)
        t.requires_compatibilities = compat
        service(dep).launch_type = launch
        return dep

    return mutate


def mount(path, read_only=False, source="pgdata"):
    return lambda d: edit(d, "postgres", mount_points=(MountPoint(source, path, read_only),))


DATA = "/var/lib/postgresql/data"
PASS024_EFS = ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is EFS")

CTJ024 = [
    case("EFS", chain(), PASS024_EFS),
    case("EFS at an ancestor", chain(mount("/var/lib/postgresql")), ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at /var/lib/postgresql: volume 'pgdata' is EFS")),
    case("EFS on Fargate", chain(lambda d: volume(task(d).volumes[0], ("FARGATE",), "FARGATE")(d)), PASS024_EFS),
    case("host_path on EC2", chain(volume(Volume("pgdata", host_path="/ecs/pgdata"))), ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is a host_path on EC2")),
    case(
        "shared docker volume on EC2",
        chain(volume(Volume("pgdata", docker=DockerVolumeConfig(scope="shared", autoprovision=True))), ),
        ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is a docker volume with scope 'shared' on EC2"),
    ),
    case(
        "Fargate bind mount",
        chain(volume(Volume("pgdata"), ("FARGATE",), "FARGATE")),
        ("fail", f"database 'postgres' mount at {DATA} does not persist: volume 'pgdata' is a bind mount without host_path on FARGATE (ephemeral task storage)"),
    ),
    case(
        "host_path on Fargate",
        chain(volume(Volume("pgdata", host_path="/x"), ("FARGATE",), "FARGATE")),
        ("fail", f"database 'postgres' mount at {DATA} does not persist: volume 'pgdata' is a host_path, which does not persist on FARGATE"),
    ),
    case(
        "task-scoped docker volume",
        chain(volume(Volume("pgdata", docker=DockerVolumeConfig(scope="task")))),
        ("fail", f"database 'postgres' mount at {DATA} does not persist: volume 'pgdata' is a docker volume with scope 'task' (removed with the task)"),
    ),
    case(
        "host_path, launch type not stated",
        chain(volume(Volume("pgdata", host_path="/x"), (), None)),
        ("unknown", f"cannot tell whether the mount at {DATA} of database 'postgres' persists: volume 'pgdata' is a host_path, persistent only on EC2, and neither requires_compatibilities nor the service's launch_type says EC2; set requires_compatibilities = [\"EC2\"]"),
    ),
    case("read-only", chain(mount(DATA, True)), ("fail", f"database 'postgres' mount at {DATA} does not persist: the mount at {DATA} is readOnly")),
    case("no mount", chain(lambda d: edit(d, "postgres", mount_points=())), ("fail", f"database 'postgres' mounts no volume at {DATA} (or above it): its data dies with the task")),
    case("mount below the data path only", chain(mount(DATA + "/pgdata")), ("fail", f"database 'postgres' mounts no volume at {DATA} (or above it): its data dies with the task")),
    case(
        "undeclared volume",
        chain(mount(DATA, source="missing")),
        ("fail", f"database 'postgres' mount at {DATA} does not persist: the mount at {DATA} names volume 'missing', which the task does not declare"),
    ),
    case(
        "volumes unknown",
        chain(lambda d: [setattr(task(d), "volumes", Unknown(KNOWN_AFTER_APPLY, f"{TASK}.volume")), d][1]),
        ("unknown", f"cannot read the mounts of database 'postgres': {TASK}.volume is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the database container of {TASK}: {AFTER_APPLY}")),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: no volume can hold {DATA}")),
]


@pytest.mark.parametrize("build, expected", CTJ024)
def test_ctj024(build, expected):
    assert run("CTJ024", build()) == expected


CTJ025 = [
    case("explicit PGDATA below the EFS mount", chain(), ("pass", f"PGDATA {DATA}/pgdata of database 'postgres' is inside the mount at {DATA} (its persistence: CTJ024)")),
    case(
        "18 default under a mount at /var/lib/postgresql",
        chain(lambda d: del_env(d, "postgres", "PGDATA"), mount("/var/lib/postgresql")),
        ("pass", "the image default PGDATA /var/lib/postgresql/18/docker (Postgres 18) of database 'postgres' is inside the mount at /var/lib/postgresql (its persistence: CTJ024)"),
    ),
    case(
        "17 default at the data mount",
        chain(lambda d: del_env(d, "postgres", "PGDATA"), image("postgres:17")),
        ("pass", f"the image default PGDATA {DATA} (Postgres 17) of database 'postgres' is inside the mount at {DATA} (its persistence: CTJ024)"),
    ),
    case(
        "18 without PGDATA, volume at /var/lib/postgresql/data",
        chain(lambda d: del_env(d, "postgres", "PGDATA")),
        ("fail", f"database 'postgres' runs Postgres 18, which refuses to start with a volume at {DATA} unless PGDATA is set; set PGDATA = \"{DATA}/pgdata\" or mount the volume at /var/lib/postgresql"),
    ),
    case(
        "PGDATA outside every mount",
        chain(lambda d: set_env(d, "postgres", "PGDATA", "/pgdata")),
        ("fail", "PGDATA /pgdata of database 'postgres' is not inside any mounted volume: the data dies with the task"),
    ),
    case(
        "PGDATA inside an ephemeral mount (CTJ024's fault, not this rule's)",
        chain(volume(Volume("pgdata"), ("FARGATE",), "FARGATE")),
        ("pass", f"PGDATA {DATA}/pgdata of database 'postgres' is inside the mount at {DATA} (its persistence: CTJ024)"),
    ),
    case(
        "PGDATA unknown",
        chain(lambda d: set_env(d, "postgres", "PGDATA", Unknown("unresolved reference", "var.pgdata"))),
        ("unknown", "PGDATA of database 'postgres' is not known: var.pgdata is unresolved reference"),
    ),
    case(
        "no PGDATA, image unknown",
        chain(lambda d: del_env(d, "postgres", "PGDATA"), image(Unknown(KNOWN_AFTER_APPLY, "var.db_image"))),
        ("unknown", "PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: var.db_image is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: PGDATA cannot lie inside a mounted volume")),
]


@pytest.mark.parametrize("build, expected", CTJ025)
def test_ctj025(build, expected):
    assert run("CTJ025", build()) == expected


# ---------------------------------------------------------------- CTJ026


def svc(**changes):
    def mutate(dep):
        for k, v in changes.items():
            setattr(service(dep), k, v)
        return dep

    return mutate


PASS026 = ("pass", f"{SERVICE} runs one task at a time (desired_count <= 1, maximum 100%, minimum healthy 0%) and does not autoscale")

CTJ026 = [
    case("stage1", chain(), PASS026),
    case("autoscaling capped at 1", chain(lambda d: autoscaling(d, 1)), PASS026),
    case("desired_count 2", chain(svc(desired_count=2)), ("fail", f"{SERVICE} desired_count is 2; it must be at most 1")),
    case("maximum 200", chain(svc(deployment_maximum_percent=200)), ("fail", f"{SERVICE} deployment_maximum_percent is 200; it must be at most 100 (no second task during a deploy)")),
    case(
        "minimum healthy unset",
        chain(svc(deployment_minimum_healthy_percent=None)),
        ("fail", f"{SERVICE} deployment_minimum_healthy_percent is unset (AWS default 100); it must be 0 (else a one-task deploy stalls)"),
    ),
    case(
        "autoscaling to 3",
        chain(lambda d: autoscaling(d, 3)),
        ("fail", f"autoscaling target {SCOPE}.aws_appautoscaling_target.ecs allows max_capacity 3: two Postgres servers on one data directory corrupt it"),
    ),
    case(
        "desired_count unknown",
        chain(svc(desired_count=Unknown(KNOWN_AFTER_APPLY, "var.count"))),
        ("unknown", f"desired_count of {SERVICE} is not known: var.count is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no service", chain(lambda d: replace(d, services=[])), ("fail", f"no aws_ecs_service in scope runs {TASK}")),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: no service to check for a single writer")),
]


@pytest.mark.parametrize("build, expected", CTJ026)
def test_ctj026(build, expected):
    assert run("CTJ026", build()) == expected


# ---------------------------------------------------------------- CTJ027

CTJ027 = [
    case("stage1", chain(), ("pass", "backend 'django' waits for database 'postgres' to be HEALTHY (healthCheck present)")),
    case(
        "START instead of HEALTHY",
        chain(lambda d: edit(d, "django", depends_on=(Dependency("postgres", "START"),))),
        ("fail", "backend 'django' depends on database 'postgres' with condition 'START', not HEALTHY: Django may start before Postgres accepts connections"),
    ),
    case(
        "no dependsOn",
        chain(lambda d: edit(d, "django", depends_on=())),
        ("fail", 'backend \'django\' does not dependsOn database \'postgres\'; add {containerName = "postgres", condition = "HEALTHY"}'),
    ),
    case(
        "no healthCheck",
        chain(lambda d: edit(d, "postgres", health_check=None)),
        ("fail", 'database \'postgres\' has no healthCheck, so a HEALTHY dependency can never be met; add ["CMD-SHELL", "pg_isready -U <user> -d <db>"]'),
    ),
    case(
        "dependsOn unknown",
        chain(lambda d: edit(d, "django", depends_on=Unknown(KNOWN_AFTER_APPLY, "var.deps"))),
        ("unknown", "dependsOn of backend 'django' is not known: var.deps is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: the backend cannot wait for the database")),
]


@pytest.mark.parametrize("build, expected", CTJ027)
def test_ctj027(build, expected):
    assert run("CTJ027", build()) == expected
