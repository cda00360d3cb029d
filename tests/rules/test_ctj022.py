"""CTJ022: the backend reaches the database on localhost:5432 as its POSTGRES_USER, to its POSTGRES_DB."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Template, Unknown

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_TASK,
    CONFIG,
    DB_ARN,
    HINT,
    SCOPE,
    SECRET_DB,
    TASK,
    TF_TASK,
    case,
    chain,
    del_env,
    edit,
    env_to_secret,
    findings,
    hcl_findings,
    image_from_another_repo,
    no_role,
    no_task,
    renamed,
    renamed_backend,
    set_env,
    stage1,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ022"
PASS = ("pass", "backend 'django' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB", AT_DJANGO)
DB_MOD = f"{SCOPE}.module.civic_tech_jobs_stage_database"


def env(container, var, value, sensitive=False):
    return lambda d: set_env(d, container, var, value, sensitive)


def unset(container, var):
    return lambda d: del_env(d, container, var)


def user_secrets(backend_key, db_key):
    """SQL_USER / POSTGRES_USER from secrets (JSON keys given)."""
    return lambda d: env_to_secret(env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:{backend_key}::"), "postgres", "POSTGRES_USER", f"{DB_ARN}:{db_key}::")


def db_secrets(backend_key, db_key):
    """SQL_DATABASE from the credential secret by reference, POSTGRES_DB from it by its literal ARN
    (only the deployment's secrets tell that the two name the same secret)."""
    return lambda d: env_to_secret(
        env_to_secret(d, "django", "SQL_DATABASE", Template((Ref(SECRET_DB, "arn"), f":{backend_key}::"))), "postgres", "POSTGRES_DB", f"{DB_ARN}:{db_key}::"
    )


def fail(message):
    return ("fail", message, AT_DJANGO)


def unknown(message):
    return ("unknown", message, AT_DJANGO)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", "backend 'app' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB", AT_DJANGO)),
    case("stage1", chain(), PASS),
    case(
        "a backend its ECR image decides (symbolic): the SQL_HOST failure names no evidence",
        chain(renamed, env("app", "SQL_HOST", "db.example.com"), symbolic=True),
        ("fail", "backend 'app' SQL_HOST is 'db.example.com', not localhost: the database runs in the task", AT_DJANGO),
    ),
    case(
        "a backend known by evidence: the SQL_HOST failure names the evidence",
        chain(lambda d: edit(d, "django", name="api-server", image="123456789012.dkr.ecr.us-west-2.amazonaws.com/something:1"), env("api-server", "SQL_HOST", "db.example.com")),
        fail("backend 'api-server' (backend by port 8000, DJANGO_* variables, SQL_* variables and name containing 'api') SQL_HOST is 'db.example.com', not localhost: the database runs in the task"),
    ),
    case(
        "a backend by its name, its image from a third ECR repository (symbolic): the evidence decides and is named",
        chain(image_from_another_repo("django"), env("django", "SQL_HOST", "db.example.com"), symbolic=True),
        fail("backend 'django' (backend by port 8000, DJANGO_* variables, SQL_* variables and name 'django') SQL_HOST is 'db.example.com', not localhost: the database runs in the task"),
    ),
    case("SQL_HOST 127.0.0.1, SQL_PORT int", chain(env("django", "SQL_HOST", "127.0.0.1"), env("django", "SQL_PORT", 5432)), PASS),
    case("SQL_HOST ::1", chain(env("django", "SQL_HOST", "::1")), PASS),
    case("SQL_HOST ' LocalHost ' (case and blanks)", chain(env("django", "SQL_HOST", " LocalHost ")), PASS),
    case(
        "image defaults: user postgres, db = user",
        chain(unset("postgres", "POSTGRES_USER"), unset("postgres", "POSTGRES_DB"), env("django", "SQL_USER", "postgres"), env("django", "SQL_DATABASE", "postgres")),
        PASS,
    ),
    case("POSTGRES_DB unset defaults to POSTGRES_USER", chain(unset("postgres", "POSTGRES_DB")), PASS),
    case("user from the same secret key", chain(user_secrets("username", "username")), PASS),
    case(
        "user from the same secret key, Template valueFrom",
        chain(
            lambda d: env_to_secret(env_to_secret(d, "django", "SQL_USER", Template((Ref(SECRET_DB, "arn"), ":username::"))), "postgres", "POSTGRES_USER", Template((Ref(SECRET_DB, "arn"), ":username::"))),
            symbolic=True,
        ),
        PASS,
    ),
    case("database name from the same secret key, a Ref on one side and the literal ARN on the other", chain(db_secrets("dbname", "dbname")), PASS),
    case(
        "database name from two keys of the same secret, a Ref on one side and the literal ARN on the other",
        chain(db_secrets("dbname", "name")),
        fail(f"backend SQL_DATABASE (from secret ${{{SECRET_DB}.arn}} key 'dbname') differs from database POSTGRES_DB (from secret {DB_ARN} key 'name')"),
    ),
    case(
        "user from the same secret key, a Ref on one side and the literal ARN on the other",
        chain(user_secrets("username", "username"), lambda d: env_to_secret(d, "django", "SQL_USER", Template((Ref(SECRET_DB, "arn"), ":username::")))),
        PASS,
    ),
    case(
        "user from the same secret key, trailing colons differ",
        chain(user_secrets("username", "username"), lambda d: env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:username")),
        PASS,
    ),
    case(
        "SQL_HOST is the RDS host",
        chain(env("django", "SQL_HOST", "incubator-prod-database.abc.us-west-2.rds.amazonaws.com")),
        fail("backend 'django' SQL_HOST is 'incubator-prod-database.abc.us-west-2.rds.amazonaws.com', not localhost: the database runs in the task"),
    ),
    case(
        "SQL_HOST merely contains localhost",
        chain(env("django", "SQL_HOST", "db.localhost.evil.example.com")),
        fail("backend 'django' SQL_HOST is 'db.localhost.evil.example.com', not localhost: the database runs in the task"),
    ),
    case("SQL_HOST with a port", chain(env("django", "SQL_HOST", "localhost:5432")), fail("backend 'django' SQL_HOST is 'localhost:5432', not localhost: the database runs in the task")),
    case(
        "a sensitive SQL_HOST is not shown",
        chain(env("django", "SQL_HOST", "10.1.2.3", sensitive=True)),
        fail("backend 'django' SQL_HOST is (value hidden), not localhost: the database runs in the task"),
    ),
    case("SQL_HOST missing", chain(unset("django", "SQL_HOST")), fail("backend 'django' does not set SQL_HOST; set it to localhost")),
    case("SQL_PORT missing", chain(unset("django", "SQL_PORT")), fail("backend 'django' does not set SQL_PORT; set it to 5432")),
    case("SQL_PORT 5433", chain(env("django", "SQL_PORT", "5433")), fail("backend 'django' SQL_PORT is '5433', not 5432")),
    case("SQL_PORT not a number", chain(env("django", "SQL_PORT", "postgres")), fail("backend 'django' SQL_PORT is 'postgres', not 5432")),
    case("SQL_USER missing", chain(unset("django", "SQL_USER")), fail("backend 'django' does not set SQL_USER; it must equal the database's POSTGRES_USER")),
    case("SQL_USER differs", chain(env("django", "SQL_USER", "app")), fail("backend SQL_USER 'app' differs from database POSTGRES_USER 'ctj'")),
    case(
        "SQL_DATABASE differs from the defaulted POSTGRES_DB",
        chain(unset("postgres", "POSTGRES_DB"), env("postgres", "POSTGRES_USER", "owner")),
        fail("backend SQL_USER 'ctj' differs from database POSTGRES_USER 'owner'"),
        fail("backend SQL_DATABASE 'ctj' differs from database POSTGRES_DB (unset: defaults to POSTGRES_USER) 'owner'"),
    ),
    case(
        "SQL_USER against the image default user",
        chain(unset("postgres", "POSTGRES_USER")),
        fail("backend SQL_USER 'ctj' differs from database POSTGRES_USER (unset: the image's default user is 'postgres')"),
    ),
    case(
        "user from different secret keys",
        chain(user_secrets("username", "owner")),
        fail(f"backend SQL_USER (from secret {DB_ARN} key 'username') differs from database POSTGRES_USER (from secret {DB_ARN} key 'owner')"),
    ),
    case(
        "no database container",
        chain(no_role("postgres", "cache", "redis:7")),
        fail(f"task {TASK} has no database container whose POSTGRES_USER/POSTGRES_DB SQL_USER/SQL_DATABASE could match"),
    ),
    case("no backend", chain(no_role("django", "worker", "busybox")), ("fail", f"task {TASK} has no backend container: the backend cannot be checked against the database", AT_TASK)),
    case("no task", chain(no_task), ("fail", "no CTJ task definition in scope (see CTJ001): the backend cannot be checked against the database")),
    case(
        "SQL_DATABASE against the image default database",
        chain(unset("postgres", "POSTGRES_USER"), unset("postgres", "POSTGRES_DB"), env("django", "SQL_USER", "postgres")),
        fail("backend SQL_DATABASE 'ctj' differs from database POSTGRES_DB (unset: defaults to POSTGRES_USER, 'postgres')"),
    ),
    case(
        "a backend named db: its ECR image, not its name, makes it the backend",
        chain(renamed, lambda d: renamed_backend(d, "db"), symbolic=True),
        ("pass", "backend 'db' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB", AT_DJANGO),
    ),
    # unknown: every branch
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the backend container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "backend role undecided",
        chain(unknown_role("django", "c1")),
        ("unknown", f"cannot tell which container of {TASK} is the backend: {TASK}.container_definitions.c1.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "backend environment unknown",
        chain(lambda d: edit(d, "django", environment=Unknown(KNOWN_AFTER_APPLY, "var.backend_env"))),
        unknown(f"cannot read SQL_HOST of backend 'django': var.backend_env is known after apply; {HINT}"),
        unknown(f"cannot read SQL_PORT of backend 'django': var.backend_env is known after apply; {HINT}"),
        unknown(f"cannot read SQL_USER of backend 'django': var.backend_env is known after apply; {HINT}"),
        unknown(f"cannot read SQL_DATABASE of backend 'django': var.backend_env is known after apply; {HINT}"),
    ),
    case(
        "SQL_HOST from a secret cannot be compared",
        chain(lambda d: env_to_secret(d, "django", "SQL_HOST", f"{DB_ARN}:host::")),
        unknown(f"SQL_HOST of backend 'django' comes from secret {DB_ARN} key 'host', so its value cannot be checked; set it to localhost in environment"),
    ),
    case(
        "SQL_HOST from a module output",
        chain(env("django", "SQL_HOST", Ref(DB_MOD, "host"))),
        unknown(f"SQL_HOST of backend 'django' is not known: {DB_MOD}.host is known only after apply"),
    ),
    case(
        "SQL_HOST known only after apply",
        chain(env("django", "SQL_HOST", Unknown(KNOWN_AFTER_APPLY, "aws_db_instance.x.address"))),
        unknown(f"SQL_HOST of backend 'django' is not known: aws_db_instance.x.address is known after apply; {HINT}"),
    ),
    case(
        "SQL_PORT known only after apply",
        chain(env("django", "SQL_PORT", Unknown(KNOWN_AFTER_APPLY, "aws_db_instance.x.port"))),
        unknown(f"SQL_PORT of backend 'django' is not known: aws_db_instance.x.port is known after apply; {HINT}"),
    ),
    case(
        "SQL_PORT from a secret",
        chain(lambda d: env_to_secret(d, "django", "SQL_PORT", f"{DB_ARN}:port::")),
        unknown(f"SQL_PORT of backend 'django' comes from secret {DB_ARN} key 'port', so its value cannot be checked; set it to 5432 in environment"),
    ),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        unknown(f"cannot tell which container is the database to compare SQL_USER/SQL_DATABASE with: {TASK}.container_definitions.c3.image is known after apply; {HINT}"),
    ),
    case(
        "database environment unknown",
        chain(lambda d: edit(d, "postgres", environment=Unknown(KNOWN_AFTER_APPLY, "var.db_env"))),
        unknown(f"cannot read POSTGRES_USER of database 'postgres': var.db_env is known after apply; {HINT}"),
        unknown(f"cannot read POSTGRES_DB of database 'postgres': var.db_env is known after apply; {HINT}"),
    ),
    case(
        "database environment unknown, user from the credential secret",
        chain(user_secrets("username", "username"), lambda d: edit(d, "postgres", environment=Unknown(KNOWN_AFTER_APPLY, "var.db_env"))),
        unknown(f"cannot read POSTGRES_DB of database 'postgres': var.db_env is known after apply; {HINT}"),
    ),
    case(
        "an unknown SQL_USER does not pass",
        chain(env("django", "SQL_USER", Unknown(KNOWN_AFTER_APPLY, "var.user"))),
        unknown("cannot compare backend SQL_USER ${var.user is known after apply} with database POSTGRES_USER 'ctj': a value is known only after apply"),
    ),
    case(
        "an unknown POSTGRES_DB does not pass",
        chain(env("postgres", "POSTGRES_DB", Ref(DB_MOD, "name"))),
        unknown(f"cannot compare backend SQL_DATABASE 'ctj' with database POSTGRES_DB ${{{DB_MOD}.name}}: a value is known only after apply"),
    ),
    case(
        "SQL_USER from an unresolved secret, POSTGRES_USER from the credential secret",
        chain(user_secrets("username", "username"), lambda d: env_to_secret(d, "django", "SQL_USER", Ref(DB_MOD, "user_secret_arn"))),
        unknown(f"cannot compare backend SQL_USER (from secret ${{{DB_MOD}.user_secret_arn}}) with database POSTGRES_USER (from secret {DB_ARN} key 'username'): a value is known only after apply"),
    ),
    case(
        "secret on one side, literal on the other",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:username::")),
        unknown(f"cannot compare backend SQL_USER (from secret {DB_ARN} key 'username') with database POSTGRES_USER 'ctj': one comes from a secret, the other is literal; source both from the same secret key or both as literals"),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


def test_secret_looking_names_of_the_configuration_are_not_shown():
    """A name the configuration calls secret-looking has its value hidden in every message."""
    config = replace(CONFIG, secret_name_patterns=(*CONFIG.secret_name_patterns, "SQL_HOST"))
    dep = set_env(stage1(), "django", "SQL_HOST", "db.internal.example")
    assert findings(RULE, dep, config) == [fail("backend 'django' SQL_HOST is (value hidden), not localhost: the database runs in the task")]


HCL = [
    case("stage1", {}, ("pass", "backend 'django' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB", TF_TASK)),
    case(
        "SQL_HOST is the RDS host",
        {"django.tf": sub('value = "localhost"', 'value = "incubator-prod-database.cabcdefghijk.us-west-2.rds.amazonaws.com"')},
        ("fail", "backend 'django' SQL_HOST is 'incubator-prod-database.cabcdefghijk.us-west-2.rds.amazonaws.com', not localhost: the database runs in the task", TF_TASK),
    ),
    case(
        "database name mismatch",
        {"django.tf": sub('{ name = "SQL_DATABASE", value = "ctj" }', '{ name = "SQL_DATABASE", value = "civictechjobs" }')},
        ("fail", "backend SQL_DATABASE 'civictechjobs' differs from database POSTGRES_DB 'ctj'", TF_TASK),
    ),
    case("SQL_PORT 5433", {"django.tf": sub('value = "5432"', 'value = "5433"')}, ("fail", "backend 'django' SQL_PORT is '5433', not 5432", TF_TASK)),
    case(
        "user and database from one local on both sides",
        {
            "django.tf": sub('{ name = "SQL_USER", value = "ctj" }', '{ name = "SQL_USER", value = local.db_user }'),
            "postgres.tf": sub('{ name = "POSTGRES_USER", value = "ctj" }', '{ name = "POSTGRES_USER", value = local.db_user }'),
            "locals.tf": 'locals {\n  db_user = "ctj"\n}\n',
        },
        ("pass", "backend 'django' connects to localhost:5432 as the database's POSTGRES_USER to its POSTGRES_DB", TF_TASK),
    ),
    case(
        "SQL_HOST from the RDS instance's address (known after apply)",
        {
            "django.tf": sub('value = "localhost"', "value = aws_db_instance.shared.address"),
            "rds.tf": 'resource "aws_db_instance" "shared" {\n  identifier = "incubator-prod-database"\n}\n',
        },
        # provenance decides what apply-time cannot: an RDS endpoint is never localhost (SPEC section 9)
        ("fail", "backend 'django' SQL_HOST is ${aws_db_instance.shared.address}, the endpoint of a managed database (resource aws_db_instance), never localhost: Stage 1 runs Postgres in the task; set SQL_HOST to localhost", TF_TASK),
    ),
    case(
        "SQL_HOST from an RDS data source through a module output, whatever the names",
        {
            "django.tf": sub('value = "localhost"', "value = module.store.endpoint"),
            "store.tf": 'module "store" {\n  source = "./modules/store"\n}\n',
            "modules/store/main.tf": 'data "aws_rds_cluster" "x" {\n  cluster_identifier = "c"\n}\noutput "endpoint" {\n  value = data.aws_rds_cluster.x.endpoint\n}\n',
        },
        ("fail", "backend 'django' SQL_HOST is ${module.store.data.aws_rds_cluster.x.endpoint}, the endpoint of a managed database (data source aws_rds_cluster), never localhost: Stage 1 runs Postgres in the task; set SQL_HOST to localhost", TF_TASK),
    ),
    case(
        "SQL_PORT read from the RDS instance: still wired to the managed database, whatever the number",
        {
            "django.tf": sub('{ name = "SQL_PORT", value = "5432" }', '{ name = "SQL_PORT", value = aws_db_instance.shared.port }'),
            "rds.tf": 'resource "aws_db_instance" "shared" {\n  identifier = "incubator-prod-database"\n}\n',
        },
        ("fail", "backend 'django' SQL_PORT is ${aws_db_instance.shared.port}, the port of a managed database (resource aws_db_instance): Stage 1's Postgres listens in the task; set SQL_PORT to 5432", TF_TASK),
    ),
    case(
        "SQL_HOST from an ARN: an ARN is never a hostname",
        {
            "django.tf": sub('value = "localhost"', "value = aws_ssm_parameter.host.arn"),
            "ssm.tf": 'resource "aws_ssm_parameter" "host" {\n  name  = "/ctj/host"\n  type  = "String"\n  value = "localhost"\n}\n',
        },
        ("fail", "backend 'django' SQL_HOST is ${aws_ssm_parameter.host.arn}, an ARN, which is never a hostname; set it to localhost", TF_TASK),
    ),
    case(
        "SQL_HOST from a non-database resource's attribute stays unknown (the type decides, not the name)",
        {
            "django.tf": sub('value = "localhost"', "value = aws_instance.rds_database.private_dns"),
            "ec2.tf": 'resource "aws_instance" "rds_database" {\n  ami = "ami-0123"\n}\n',
        },
        ("unknown", "SQL_HOST of backend 'django' is not known: aws_instance.rds_database.private_dns is known only after apply", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


# what each finding is about (issue 14: a dropped or renamed subject= changes baselines and the diagram, not the message)
SUBJECTS = [
    ("database role undecided", [("unknown", "task", TASK, None)]),
    ('roles by image only (symbolic: ECR references)', [('pass', 'container', 'app', None)]),
    ('stage1', [('pass', 'container', 'django', None)]),
    ('a backend known by evidence: the SQL_HOST failure names the evidence', [('fail', 'env', 'SQL_HOST', 'api-server')]),
    ('SQL_HOST is the RDS host', [('fail', 'env', 'SQL_HOST', 'django')]),
    ('SQL_PORT missing', [('fail', 'env', 'SQL_PORT', 'django')]),
    ('SQL_USER missing', [('fail', 'env', 'SQL_USER', 'django')]),
    ('SQL_DATABASE differs from the defaulted POSTGRES_DB', [('fail', 'env', 'SQL_USER', 'django'), ('fail', 'env', 'SQL_DATABASE', 'django')]),
    ('no database container', [('fail', 'task', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task', None)]),
    ('no task', [('fail', 'task', '', None)]),
    ('SQL_DATABASE against the image default database', [('fail', 'env', 'SQL_DATABASE', 'django')]),
    ('a backend named db: its ECR image, not its name, makes it the backend', [('pass', 'container', 'db', None)]),
    ('containers unknown', [('unknown', 'task', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task', None)]),
    ('backend environment unknown', [('unknown', 'env', 'SQL_HOST', 'django'), ('unknown', 'env', 'SQL_PORT', 'django'), ('unknown', 'env', 'SQL_USER', 'django'), ('unknown', 'env', 'SQL_DATABASE', 'django')]),
    ('SQL_HOST from a secret cannot be compared', [('unknown', 'env', 'SQL_HOST', 'django')]),
    ('SQL_PORT known only after apply', [('unknown', 'env', 'SQL_PORT', 'django')]),
    ('database environment unknown', [('unknown', 'env', 'SQL_USER', 'django'), ('unknown', 'env', 'SQL_DATABASE', 'django')]),
    ('database environment unknown, user from the credential secret', [('unknown', 'env', 'SQL_DATABASE', 'django')]),
    ('an unknown SQL_USER does not pass', [('unknown', 'env', 'SQL_USER', 'django')]),
]


@pytest.mark.parametrize(("name", "expected"), SUBJECTS, ids=[s[0] for s in SUBJECTS])
def test_what_the_findings_are_about(name, expected):
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
