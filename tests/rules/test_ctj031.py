"""CTJ031: no secret-looking name, and no value the plan marks sensitive, in any container's plaintext environment."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    Container,
    EnvVar,
    TaskDefinition,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_NEXTJS,
    AT_POSTGRES,
    AT_TASK,
    HINT,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    drop_container,
    edit,
    findings,
    hcl_findings,
    legacy,
    no_task,
    secret_to_env,
    set_env,
    sub,
    tf_tree,
    unknown_containers,
)

RULE = "CTJ031"
PASS = ("pass", "no secret-looking or sensitive value in the environment of 3 containers")


def secret_looking(name, container="django", at=AT_DJANGO):
    return ("fail", f"container '{container}' holds secret-looking {name} in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)", at)


def django_env(name, value="x-value"):
    return chain(lambda d: set_env(d, "django", name, value))


def worker_task(dep):
    dep.task_definitions.append(
        TaskDefinition(f"{SCOPE}.aws_ecs_task_definition.worker", containers=(Container(name="worker", environment=(EnvVar("CELERY_BROKER_PASSWORD", "pw"),)),))
    )
    return dep


CASES = [
    case("stage1", chain(), PASS),
    case("KEYCLOAK_URL is not *_KEY", django_env("KEYCLOAK_URL", "https://kc"), PASS),
    case("PUBLIC_KEYS_URL is not *_KEY_*", django_env("PUBLIC_KEYS_URL", "https://kc/keys"), PASS),
    case("one container", chain(lambda d: drop_container(drop_container(d, "nextjs"), "postgres")), ("pass", "no secret-looking or sensitive value in the environment of 1 container")),
    case("no task", chain(no_task), ("pass", "no secret-looking or sensitive value in the environment of 0 containers")),
    case(
        "legacy SECRET_KEY in plaintext",
        legacy,
        ("fail", "container 'civic-tech-jobs-fs-stage' holds secret-looking SECRET_KEY in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)"),
    ),
    case("SQL_PASSWORD in plaintext", chain(lambda d: secret_to_env(d, "django", "SQL_PASSWORD", "pw-in-the-clear")), secret_looking("SQL_PASSWORD")),
    case("lower-case name, *_KEY", chain(lambda d: set_env(d, "nextjs", "stripe_api_key", "sk_live_x")), secret_looking("stripe_api_key", "nextjs", AT_NEXTJS)),
    case("*PASSWD*", django_env("DB_PASSWD"), secret_looking("DB_PASSWD")),
    case("*SECRET*", django_env("NEXTAUTH_SECRET"), secret_looking("NEXTAUTH_SECRET")),
    case("*TOKEN*", django_env("GITHUB_TOKEN_RO"), secret_looking("GITHUB_TOKEN_RO")),
    case("*PRIVATE*", django_env("JWT_PRIVATE_PEM"), secret_looking("JWT_PRIVATE_PEM")),
    case("*CREDENTIAL*", django_env("GOOGLE_CREDENTIALS_JSON"), secret_looking("GOOGLE_CREDENTIALS_JSON")),
    case("*_KEY_*", django_env("STRIPE_KEY_LIVE"), secret_looking("STRIPE_KEY_LIVE")),
    case("*API_KEY*", django_env("APIKEY_API_KEY2"), secret_looking("APIKEY_API_KEY2")),
    case(
        "sensitive value under a harmless name",
        chain(lambda d: set_env(d, "django", "DATABASE_URL", "postgres://u:p@h/db", sensitive=True)),
        ("fail", "container 'django' holds DATABASE_URL, whose value is marked sensitive, in plaintext environment; move it to secrets", AT_DJANGO),
    ),
    case(
        "every task definition is checked",
        chain(worker_task),
        ("fail", "container 'worker' holds secret-looking CELERY_BROKER_PASSWORD in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)"),
    ),
    case(
        "one finding per variable",
        chain(lambda d: set_env(d, "postgres", "POSTGRES_PASSWORD", "pw"), lambda d: set_env(d, "postgres", "PGPASSWORD", "pw")),
        secret_looking("POSTGRES_PASSWORD", "postgres", AT_POSTGRES),
        secret_looking("PGPASSWORD", "postgres", AT_POSTGRES),
    ),
    # unknown: every branch
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the container environments of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "one environment unknown",
        chain(lambda d: edit(d, "postgres", environment=Unknown(KNOWN_AFTER_APPLY, "var.db_env"))),
        ("unknown", f"environment of 'postgres' in {TASK} is not known: var.db_env is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "the first environment unknown, a later container still checked",
        chain(lambda d: edit(d, "django", environment=Unknown(KNOWN_AFTER_APPLY, "var.backend_env")), lambda d: set_env(d, "postgres", "PGPASSWORD", "pw")),
        ("unknown", f"environment of 'django' in {TASK} is not known: var.backend_env is known after apply; {HINT}", AT_DJANGO),
        secret_looking("PGPASSWORD", "postgres", AT_POSTGRES),
    ),
    case(
        "a task with unknown containers, a later task still checked",
        chain(lambda d: set_env(d, "django", "API_TOKEN", "t"), lambda d: [d.task_definitions.insert(0, TaskDefinition(f"{SCOPE}.aws_ecs_task_definition.batch", containers=Unknown(KNOWN_AFTER_APPLY, "var.batch"))), d][1]),
        ("unknown", f"cannot check the container environments of {SCOPE}.aws_ecs_task_definition.batch: var.batch is known after apply; {HINT}"),
        secret_looking("API_TOKEN"),
    ),
    case(
        "a variable name unknown",
        chain(lambda d: edit(d, "nextjs", environment=(EnvVar(Unknown(KNOWN_AFTER_APPLY, "var.name"), "x"),))),
        ("unknown", f"a variable name in the environment of 'nextjs' is not known: var.name is known after apply; {HINT}", AT_NEXTJS),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


SECRET_LINE = '      { name = "DJANGO_DEBUG", value = "False" },\n'

HCL = [
    case("stage1", {}, PASS),
    case(
        "an API token in the environment",
        {"django.tf": sub(SECRET_LINE, SECRET_LINE + '      { name = "DJANGO_API_TOKEN", value = "ctj-q8vN3xK2pL7mR4tW9yB6cF1hJ5sD" },\n')},
        ("fail", "container 'django' holds secret-looking DJANGO_API_TOKEN in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)", TF_TASK),
    ),
    case(
        "a value from a sensitive resource attribute",
        {
            "django.tf": sub(SECRET_LINE, SECRET_LINE + '      { name = "DATABASE_URL", value = "postgres://ctj:${random_password.db.result}@localhost:5432/ctj" },\n'),
            "password.tf": 'resource "random_password" "db" {\n  length = 32\n}\n',
        },
        ("fail", "container 'django' holds DATABASE_URL, whose value is sensitive (random_password.db.result, an attribute the provider marks sensitive), in plaintext environment; move it to secrets", TF_TASK),
    ),
    case(
        "a value from a sensitive variable",
        {
            "django.tf": sub(SECRET_LINE, SECRET_LINE + '      { name = "BROKER_URL", value = var.broker_url },\n'),
            "variables.tf": 'variable "broker_url" {\n  type      = string\n  sensitive = true\n  default   = "amqp://u:p@mq:5672"\n}\n',
        },
        ("fail", "container 'django' holds BROKER_URL, whose value is sensitive (var.broker_url, marked sensitive), in plaintext environment; move it to secrets", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("one finding per variable", [("fail", "env", "POSTGRES_PASSWORD", "postgres"), ("fail", "env", "PGPASSWORD", "postgres")]),
    ("sensitive value under a harmless name", [("fail", "env", "DATABASE_URL", "django")]),
    ("the first environment unknown, a later container still checked", [("unknown", "container", "django", None), ("fail", "env", "PGPASSWORD", "postgres")]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
