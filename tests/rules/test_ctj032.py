"""CTJ032: Django runtime config: DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS non-empty, DJANGO_DEBUG false."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Template, Unknown

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_TASK,
    DJANGO_ARN,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    del_env,
    del_secret,
    edit,
    env_to_secret,
    findings,
    hcl_findings,
    image_from_another_repo,
    no_role,
    no_task,
    renamed,
    secret_to_env,
    set_env,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ032"
PASS = ("pass", "backend 'django' has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", AT_DJANGO)
DNS = f"{SCOPE}.module.civic_tech_jobs_stage_dns_entry"
SET_DEBUG = 'set it to "False" (a required Stage 1 variable; the app\'s default is not visible here)'


def debug(value, sensitive=False):
    return lambda d: set_env(d, "django", "DJANGO_DEBUG", value, sensitive)


def hosts(value):
    return lambda d: set_env(d, "django", "DJANGO_ALLOWED_HOSTS", value)


def fail(message):
    return ("fail", message, AT_DJANGO)


def unknown(message):
    return ("unknown", message, AT_DJANGO)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", "backend 'app' has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", AT_DJANGO)),
    case("stage1", chain(), PASS),
    case("stage1 symbolic", chain(symbolic=True), PASS),
    case("DEBUG false", chain(debug("false")), PASS),
    case("DEBUG 0", chain(debug("0")), PASS),
    case("DEBUG no", chain(debug("no")), PASS),
    case("DEBUG off", chain(debug("Off")), PASS),
    case("DEBUG bool False (HCL)", chain(debug(False)), PASS),
    case("DEBUG int 0", chain(debug(0)), PASS),
    case("ALLOWED_HOSTS Template with literal text", chain(hosts(Template((Ref(DNS, "full_dns_name"), ",localhost")))), PASS),
    case("ALLOWED_HOSTS a one-letter host", chain(hosts("X")), PASS),
    case("ALLOWED_HOSTS Template with a one-letter literal host", chain(hosts(Template((Ref(DNS, "full_dns_name"), ",X")))), PASS),
    case("SECRET_KEY in environment", chain(lambda d: secret_to_env(d, "django", "DJANGO_SECRET_KEY", "plain-django-key-0001")), fail("backend 'django' sets DJANGO_SECRET_KEY in plaintext environment; move it to secrets")),
    case(
        "SECRET_KEY in secrets AND in environment",
        chain(lambda d: set_env(d, "django", "DJANGO_SECRET_KEY", "plain-django-key-0001")),
        fail("backend 'django' sets DJANGO_SECRET_KEY in plaintext environment; move it to secrets"),
    ),
    case("SECRET_KEY missing", chain(lambda d: del_secret(d, "django", "DJANGO_SECRET_KEY")), fail("backend 'django' does not set DJANGO_SECRET_KEY; add it to secrets")),
    case("ALLOWED_HOSTS blank", chain(hosts(" ")), fail("backend 'django' DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off")),
    case("ALLOWED_HOSTS only commas", chain(hosts(", ,")), fail("backend 'django' DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off")),
    case("ALLOWED_HOSTS missing", chain(lambda d: del_env(d, "django", "DJANGO_ALLOWED_HOSTS")), fail("backend 'django' does not set DJANGO_ALLOWED_HOSTS; set it to the stage hostname")),
    case("DEBUG True", chain(debug("True")), fail("backend 'django' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage")),
    case("DEBUG yes", chain(debug("yes")), fail("backend 'django' runs with DJANGO_DEBUG 'yes': debug pages leak settings and tracebacks on stage")),
    case("DEBUG bool True", chain(debug(True)), fail("backend 'django' runs with DJANGO_DEBUG True: debug pages leak settings and tracebacks on stage")),
    case("DEBUG sensitive True is not shown", chain(debug("True", sensitive=True)), fail("backend 'django' runs with DJANGO_DEBUG (value hidden): debug pages leak settings and tracebacks on stage")),
    case("DEBUG garbage", chain(debug("maybe")), fail("backend 'django' DJANGO_DEBUG is 'maybe', not a recognized false value (False, false, 0, no, off)")),
    case("DEBUG missing", chain(lambda d: del_env(d, "django", "DJANGO_DEBUG")), fail(f"backend 'django' does not set DJANGO_DEBUG; {SET_DEBUG}")),
    case(
        "every fault at once, in order",
        chain(lambda d: del_secret(d, "django", "DJANGO_SECRET_KEY"), hosts(""), debug("1")),
        fail("backend 'django' does not set DJANGO_SECRET_KEY; add it to secrets"),
        fail("backend 'django' DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off"),
        fail("backend 'django' runs with DJANGO_DEBUG '1': debug pages leak settings and tracebacks on stage"),
    ),
    case(
        "a backend its ECR image decides (symbolic): the failure names no evidence",
        chain(renamed, lambda d: set_env(d, "app", "DJANGO_DEBUG", "True"), symbolic=True),
        ("fail", "backend 'app' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage", AT_DJANGO),
    ),
    case(
        "a backend by its name, its image from a third ECR repository (symbolic): the evidence decides and is named",
        chain(image_from_another_repo("django"), lambda d: set_env(d, "django", "DJANGO_DEBUG", "True"), symbolic=True),
        fail("backend 'django' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage (backend by port 8000, DJANGO_* variables, SQL_* variables and name 'django')"),
    ),
    # the legacy names (issue 14): a backend setting SECRET_KEY or DEBUG instead is told to rename it
    case(
        "the legacy SECRET_KEY instead of DJANGO_SECRET_KEY",
        chain(lambda d: del_secret(d, "django", "DJANGO_SECRET_KEY"), lambda d: set_env(d, "django", "SECRET_KEY", "x")),
        fail("backend 'django' does not set DJANGO_SECRET_KEY; add it to secrets; it sets SECRET_KEY instead, which the Stage 1 settings do not read: rename it to DJANGO_SECRET_KEY"),
    ),
    case(
        "the legacy DEBUG instead of DJANGO_DEBUG",
        chain(lambda d: del_env(d, "django", "DJANGO_DEBUG"), lambda d: set_env(d, "django", "DEBUG", "False")),
        fail(f"backend 'django' does not set DJANGO_DEBUG; {SET_DEBUG}; it sets DEBUG instead, which the Stage 1 settings do not read: rename it to DJANGO_DEBUG"),
    ),
    case(
        "the legacy DEBUG beside a DJANGO_DEBUG that is on: no rename hint",
        chain(debug("True"), lambda d: set_env(d, "django", "DEBUG", "False")),
        fail("backend 'django' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage"),
    ),
    case(
        "a backend known by evidence: each failure names the evidence",
        chain(no_role("django", "api-server", "123456789012.dkr.ecr.us-west-2.amazonaws.com/something:1"), lambda d: set_env(d, "api-server", "DJANGO_DEBUG", "True")),
        fail("backend 'api-server' does not set DJANGO_SECRET_KEY; add it to secrets (backend by DJANGO_DEBUG and name containing 'api')"),
        fail("backend 'api-server' does not set DJANGO_ALLOWED_HOSTS; set it to the stage hostname (backend by DJANGO_DEBUG and name containing 'api')"),
        fail("backend 'api-server' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage (backend by DJANGO_DEBUG and name containing 'api')"),
    ),
    case("no backend", chain(no_role("django", "worker", "busybox")), ("fail", f"task {TASK} has no backend container: Django's runtime configuration cannot be checked", AT_TASK)),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: Django's runtime configuration cannot be checked")),
    # unknown: every branch
    case(
        "secrets from a module output",
        chain(lambda d: edit(d, "django", secrets=Ref(f"{SCOPE}.module.secrets", "backend"))),
        unknown("cannot read DJANGO_SECRET_KEY of backend 'django': secrets is unresolved reference"),
    ),
    case(
        "environment from a module output",
        chain(lambda d: edit(d, "django", environment=Ref(f"{SCOPE}.module.env", "backend"))),
        unknown("cannot read DJANGO_ALLOWED_HOSTS of backend 'django': environment is unresolved reference"),
        unknown("cannot read DJANGO_DEBUG of backend 'django': environment is unresolved reference"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the backend container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "backend role undecided",
        chain(unknown_role("django", "c1")),
        ("unknown", f"cannot tell which container of {TASK} is the backend: {TASK}.container_definitions.c1.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "secrets unknown",
        chain(lambda d: edit(d, "django", secrets=Unknown(KNOWN_AFTER_APPLY, "var.backend_secrets"))),
        unknown(f"cannot read DJANGO_SECRET_KEY of backend 'django': var.backend_secrets is known after apply; {HINT}"),
    ),
    case(
        "environment unknown",
        chain(lambda d: edit(d, "django", environment=Unknown(KNOWN_AFTER_APPLY, "var.backend_env"))),
        unknown(f"cannot read DJANGO_ALLOWED_HOSTS of backend 'django': var.backend_env is known after apply; {HINT}"),
        unknown(f"cannot read DJANGO_DEBUG of backend 'django': var.backend_env is known after apply; {HINT}"),
    ),
    case(
        "ALLOWED_HOSTS from a module output",
        chain(hosts(Ref(DNS, "full_dns_name"))),
        unknown(f"DJANGO_ALLOWED_HOSTS of backend 'django' is not known: {DNS}.full_dns_name is known only after apply"),
    ),
    case(
        "ALLOWED_HOSTS a Template with no literal host",
        chain(hosts(Template((Ref(DNS, "full_dns_name"), ",")))),
        unknown(f"DJANGO_ALLOWED_HOSTS of backend 'django' is not known: ${{{DNS}.full_dns_name}}, is known only after apply"),
    ),
    case(
        "ALLOWED_HOSTS a Template around an unknown value",
        chain(hosts(Template((Unknown(KNOWN_AFTER_APPLY, "var.hosts"), ",")))),
        unknown(f"DJANGO_ALLOWED_HOSTS of backend 'django' is not known: var.hosts is known after apply; {HINT}"),
    ),
    case(
        "ALLOWED_HOSTS a Template with only separators around an unknown value",
        chain(hosts(Template((",", Ref(DNS, "full_dns_name"), ",")))),
        unknown(f"DJANGO_ALLOWED_HOSTS of backend 'django' is not known: ,${{{DNS}.full_dns_name}}, is known only after apply"),
    ),
    case(
        "ALLOWED_HOSTS from secrets",
        chain(lambda d: env_to_secret(d, "django", "DJANGO_ALLOWED_HOSTS", DJANGO_ARN + ":hosts::")),
        unknown("DJANGO_ALLOWED_HOSTS of backend 'django' comes from a secret, so it cannot be checked to be non-empty; set it in environment"),
    ),
    case("DEBUG unknown", chain(debug(Unknown("unresolved reference", "var.debug"))), unknown("DJANGO_DEBUG of backend 'django' is not known: var.debug is unresolved reference")),
    case(
        "DEBUG from secrets",
        chain(lambda d: env_to_secret(d, "django", "DJANGO_DEBUG", DJANGO_ARN + ":debug::")),
        unknown(f"DJANGO_DEBUG of backend 'django' comes from secret {DJANGO_ARN} key 'debug', so its value cannot be checked; {SET_DEBUG} in environment"),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, ("pass", "backend 'django' has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", TF_TASK)),
    case("DEBUG True", {"django.tf": sub('value = "False"', 'value = "True"')}, ("fail", "backend 'django' runs with DJANGO_DEBUG 'True': debug pages leak settings and tracebacks on stage", TF_TASK)),
    case("DEBUG as an HCL bool", {"django.tf": sub('value = "False"', "value = false")}, ("pass", "backend 'django' has DJANGO_SECRET_KEY from secrets, DJANGO_ALLOWED_HOSTS set and DJANGO_DEBUG off", TF_TASK)),
    case("empty ALLOWED_HOSTS", {"django.tf": sub('value = "stage.civictechjobs.org"', 'value = ""')}, ("fail", "backend 'django' DJANGO_ALLOWED_HOSTS is empty: Django rejects every request with DEBUG off", TF_TASK)),
    case(
        "SECRET_KEY missing",
        {"django.tf": sub('      { name = "DJANGO_SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn },\n', "")},
        ("fail", "backend 'django' does not set DJANGO_SECRET_KEY; add it to secrets", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


# what each finding is about (issue 14: a dropped or renamed subject= changes baselines and the diagram, not the message)
SUBJECTS = [
    ('roles by image only (symbolic: ECR references)', [('pass', 'container', 'app', None)]),
    ('stage1', [('pass', 'container', 'django', None)]),
    ('SECRET_KEY in environment', [('fail', 'env', 'DJANGO_SECRET_KEY', 'django')]),
    ('ALLOWED_HOSTS blank', [('fail', 'env', 'DJANGO_ALLOWED_HOSTS', 'django')]),
    ('DEBUG True', [('fail', 'env', 'DJANGO_DEBUG', 'django')]),
    ('every fault at once, in order', [('fail', 'env', 'DJANGO_SECRET_KEY', 'django'), ('fail', 'env', 'DJANGO_ALLOWED_HOSTS', 'django'), ('fail', 'env', 'DJANGO_DEBUG', 'django')]),
    ('a backend known by evidence: each failure names the evidence', [('fail', 'env', 'DJANGO_SECRET_KEY', 'api-server'), ('fail', 'env', 'DJANGO_ALLOWED_HOSTS', 'api-server'), ('fail', 'env', 'DJANGO_DEBUG', 'api-server')]),
    ('no backend', [('fail', 'task', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task', None)]),
    ('no task', [('fail', 'task', '', None)]),
    ('secrets from a module output', [('unknown', 'env', 'DJANGO_SECRET_KEY', 'django')]),
    ('environment from a module output', [('unknown', 'env', 'DJANGO_ALLOWED_HOSTS', 'django'), ('unknown', 'env', 'DJANGO_DEBUG', 'django')]),
    ('containers unknown', [('unknown', 'task', 'module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task', None)]),
    ('ALLOWED_HOSTS from a module output', [('unknown', 'env', 'DJANGO_ALLOWED_HOSTS', 'django')]),
    ('DEBUG unknown', [('unknown', 'env', 'DJANGO_DEBUG', 'django')]),
]


@pytest.mark.parametrize(("name", "expected"), SUBJECTS, ids=[s[0] for s in SUBJECTS])
def test_what_the_findings_are_about(name, expected):
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
