"""CTJ030-CTJ032: frontend build-time vars, plaintext secrets, Django runtime config."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Template, Unknown

from .builders import (
    DJANGO_ARN,
    SCOPE,
    TASK,
    del_env,
    del_secret,
    edit,
    env_to_secret,
    legacy,
    run,
    secret_to_env,
    set_env,
    set_secret,
    stage1,
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


# ---------------------------------------------------------------- CTJ030

CTJ030 = [
    case("stage1", chain(), ("pass", "frontend 'nextjs' sets no NEXT_PUBLIC_* variable at runtime")),
    case(
        "NEXT_PUBLIC_API_URL in environment",
        chain(lambda d: set_env(d, "nextjs", "NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org")),
        ("fail", "frontend 'nextjs' sets NEXT_PUBLIC_API_URL in its runtime environment, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg"),
    ),
    case(
        "NEXT_PUBLIC_ in secrets",
        chain(lambda d: set_secret(d, "nextjs", "NEXT_PUBLIC_COGNITO_CLIENT_ID", DJANGO_ARN)),
        ("fail", "frontend 'nextjs' sets NEXT_PUBLIC_COGNITO_CLIENT_ID in its runtime secrets, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg"),
    ),
    case("NEXT_PUBLIC_ on the backend is not this rule's", chain(lambda d: set_env(d, "django", "NEXT_PUBLIC_X", "1")), ("pass", "frontend 'nextjs' sets no NEXT_PUBLIC_* variable at runtime")),
    case(
        "environment unknown",
        chain(lambda d: edit(d, "nextjs", environment=Unknown(KNOWN_AFTER_APPLY, "var.frontend_env"))),
        ("unknown", "environment of frontend 'nextjs' is not known: var.frontend_env is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the frontend container of {TASK}: {AFTER_APPLY}")),
    case("no frontend: nothing to flag", legacy, ("pass", f"task {SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task has no frontend container: nothing to check for NEXT_PUBLIC_* variables")),
    case("no task: nothing to flag", chain(lambda d: replace(d, task_definitions=[])), ("pass", f"{NO_TASK}: nothing to check for NEXT_PUBLIC_* variables")),
]


@pytest.mark.parametrize("build, expected", CTJ030)
def test_ctj030(build, expected):
    assert run("CTJ030", build()) == expected


# ---------------------------------------------------------------- CTJ031

CTJ031 = [
    case("stage1", chain(), ("pass", "no secret-looking or sensitive value in the environment of 3 containers")),
    case(
        "legacy SECRET_KEY in plaintext",
        legacy,
        ("fail", "container 'civic-tech-jobs-fs-stage' holds secret-looking SECRET_KEY in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)"),
    ),
    case(
        "SQL_PASSWORD in plaintext",
        chain(lambda d: secret_to_env(d, "django", "SQL_PASSWORD", "pw-in-the-clear")),
        ("fail", "container 'django' holds secret-looking SQL_PASSWORD in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)"),
    ),
    case(
        "lower-case name, *_KEY",
        chain(lambda d: set_env(d, "nextjs", "stripe_api_key", "sk_live_x")),
        ("fail", "container 'nextjs' holds secret-looking stripe_api_key in plaintext environment; move it to secrets (valueFrom a Secrets Manager secret)"),
    ),
    case(
        "sensitive value under a harmless name",
        chain(lambda d: set_env(d, "django", "DATABASE_URL", "postgres://u:p@h/db", sensitive=True)),
        ("fail", "container 'django' holds DATABASE_URL, whose value is marked sensitive, in plaintext environment; move it to secrets"),
    ),
    case("KEYCLOAK_URL is not *_KEY", chain(lambda d: set_env(d, "django", "KEYCLOAK_URL", "https://kc")), ("pass", "no secret-looking or sensitive value in the environment of 3 containers")),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the container environments of {TASK}: {AFTER_APPLY}")),
    case(
        "one environment unknown",
        chain(lambda d: edit(d, "postgres", environment=Unknown(KNOWN_AFTER_APPLY, "var.db_env"))),
        ("unknown", f"environment of 'postgres' in {TASK} is not known: var.db_env is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources"),
    ),
    case("no task", chain(lambda d: replace(d, task_definitions=[])), ("pass", "no secret-looking or sensitive value in the environment of 0 containers")),
]


@pytest.mark.parametrize("build, expected", CTJ031)
def test_ctj031(build, expected):
    assert run("CTJ031", build()) == expected


# ---------------------------------------------------------------- CTJ032

PASS032 = ("pass", "backend 'django' has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off")


def debug(value):
    return lambda d: set_env(d, "django", "DJANGO_DEBUG", value)


CTJ032 = [
    case("stage1", chain(), PASS032),
    case("stage1 symbolic", chain(symbolic=True), PASS032),
    case("DEBUG false", chain(debug("false")), PASS032),
    case("DEBUG 0", chain(debug("0")), PASS032),
    case("DEBUG off", chain(debug("Off")), PASS032),
    case("DEBUG bool False (HCL)", chain(debug(False)), PASS032),
    case(
        "ALLOWED_HOSTS Template with literal text",
        chain(lambda d: set_env(d, "django", "DJANGO_ALLOWED_HOSTS", Template((Ref(f"{SCOPE}.module.civic_tech_jobs_stage_dns_entry", "full_dns_name"), ",localhost")))),
        PASS032,
    ),
    case(
        "SECRET_KEY in environment",
        chain(lambda d: secret_to_env(d, "django", "DJANGO_SECRET_KEY", "plain-django-key-0001")),
        ("fail", "backend 'django' sets DJANGO_SECRET_KEY in plaintext environment; move it to secrets"),
    ),
    case("SECRET_KEY missing", chain(lambda d: del_secret(d, "django", "DJANGO_SECRET_KEY")), ("fail", "backend 'django' does not set DJANGO_SECRET_KEY; add it to secrets")),
    case("ALLOWED_HOSTS empty", chain(lambda d: set_env(d, "django", "DJANGO_ALLOWED_HOSTS", " ")), ("fail", "backend 'django' DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off")),
    case("ALLOWED_HOSTS missing", chain(lambda d: del_env(d, "django", "DJANGO_ALLOWED_HOSTS")), ("fail", "backend 'django' does not set DJANGO_ALLOWED_HOSTS; set it to the stage hostname")),
    case(
        "ALLOWED_HOSTS from a module output",
        chain(lambda d: set_env(d, "django", "DJANGO_ALLOWED_HOSTS", Ref(f"{SCOPE}.module.civic_tech_jobs_stage_dns_entry", "full_dns_name"))),
        ("unknown", f"DJANGO_ALLOWED_HOSTS of backend 'django' is not known: {SCOPE}.module.civic_tech_jobs_stage_dns_entry.full_dns_name is known only after apply"),
    ),
    case(
        "ALLOWED_HOSTS from secrets",
        chain(lambda d: env_to_secret(d, "django", "DJANGO_ALLOWED_HOSTS", DJANGO_ARN + ":hosts::")),
        ("unknown", "DJANGO_ALLOWED_HOSTS of backend 'django' comes from a secret, so it cannot be checked to be non-empty; set it in environment"),
    ),
    case("DEBUG True", chain(debug("True")), ("fail", "backend 'django' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage")),
    case("DEBUG garbage", chain(debug("maybe")), ("fail", "backend 'django' DJANGO_DEBUG is 'maybe', not a recognized false value (False, false, 0, no, off)")),
    case(
        "DEBUG missing",
        chain(lambda d: del_env(d, "django", "DJANGO_DEBUG")),
        ("fail", 'backend \'django\' does not set DJANGO_DEBUG; set it to "False" (a required Stage 1 variable; the app\'s default is not visible here)'),
    ),
    case(
        "DEBUG unknown",
        chain(debug(Unknown("unresolved reference", "var.debug"))),
        ("unknown", "DJANGO_DEBUG of backend 'django' is not known: var.debug is unresolved reference"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the backend container of {TASK}: {AFTER_APPLY}")),
    case("no task", chain(lambda d: replace(d, task_definitions=[])), ("fail", f"{NO_TASK}: Django's runtime configuration cannot be checked")),
]


@pytest.mark.parametrize("build, expected", CTJ032)
def test_ctj032(build, expected):
    assert run("CTJ032", build()) == expected
