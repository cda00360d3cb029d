"""CTJ023: POSTGRES_PASSWORD and SQL_PASSWORD come from one secret and key (never plaintext)."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, DatabaseResource, Ref, Secret, SecretVar, Template, Unknown

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_POSTGRES,
    AT_TASK,
    DB_ARN,
    DJANGO_ARN,
    HINT,
    NO_TASK,
    SCOPE,
    SECRET_DB,
    SECRET_DJANGO,
    TASK,
    TF_TASK,
    case,
    chain,
    del_secret,
    edit,
    env_to_secret,
    findings,
    hcl_findings,
    legacy,
    no_role,
    no_task,
    renamed,
    secret_to_env,
    set_env,
    set_secret,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ023"
DB_MOD = f"{SCOPE}.module.civic_tech_jobs_stage_database"
OUTSIDE_ARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:other/db-ZzZzZz"
MOD_SECRET = Template((Ref(f"{SCOPE}.module.civic_tech_jobs_stage_database", "secret_arn"), ":password::"))
ODD = Template(("arn:aws:secretsmanager:us-west-2:", Ref(f"{SCOPE}.data.aws_caller_identity.current", "account_id"), ":secret:ctj-db:password::"))
DIFFERENT = "are not the same secret and key: the backend would log in with a different password"
RDS = f"data source aws_db_instance {DB_MOD}.data.aws_db_instance.shared"
OWNER_SSM = f"{DB_MOD}.module.db_owner_password.aws_ssm_parameter.this"
TAKE = "not from a credential secret shared with a Postgres container in the task; take SQL_PASSWORD and POSTGRES_PASSWORD from one secret"


def managed_database(dep):
    """The managed-database module in scope (it declares an RDS data source), as on today's plan."""
    dep.databases = [DatabaseResource(DB_MOD, kind="module"), DatabaseResource(f"{DB_MOD}.data.aws_db_instance.shared", kind="data")]
    return dep


def passes(described):
    return ("pass", f"POSTGRES_PASSWORD and SQL_PASSWORD come from the same secret and key ({described})", AT_DJANGO)


def sql_password(value_from):
    return lambda d: set_secret(d, "django", "SQL_PASSWORD", value_from)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), passes(f"${{{SECRET_DB}.arn}} key 'password'")),
    case("stage1 literal ARNs", chain(), passes(f"{DB_ARN} key 'password'")),
    case("stage1 same Template valueFrom", chain(symbolic=True), passes(f"${{{SECRET_DB}.arn}} key 'password'")),
    case("trailing colons do not matter", chain(sql_password(f"{DB_ARN}:password")), passes(f"{DB_ARN} key 'password'")),
    case(
        "Ref on one side, the same secret's literal ARN on the other",
        chain(sql_password(Template((Ref(SECRET_DB, "arn"), ":password::")))),
        passes(f"{DB_ARN} key 'password'"),
    ),
    case(
        "both the whole secret",
        chain(sql_password(DB_ARN), lambda d: set_secret(d, "postgres", "POSTGRES_PASSWORD", DB_ARN)),
        passes(DB_ARN),
    ),
    case(
        "the same unparsed ARN template on both sides",
        chain(lambda d: set_secret(sql_password(ODD)(d), "postgres", "POSTGRES_PASSWORD", ODD)),
        passes(ODD.describe()),
    ),
    case(
        "both from one module output's secret",
        chain(lambda d: set_secret(sql_password(MOD_SECRET)(d), "postgres", "POSTGRES_PASSWORD", MOD_SECRET)),
        passes(f"${{{DB_MOD}.secret_arn}} key 'password'"),
    ),
    case(
        "the whole secret as a one-part Template and as a Ref",
        chain(sql_password(Ref(SECRET_DB, "arn")), lambda d: set_secret(d, "postgres", "POSTGRES_PASSWORD", Template((Ref(SECRET_DB, "arn"),))), symbolic=True),
        passes(f"${{{SECRET_DB}.arn}}"),
    ),
    case(
        "user from the credential secret as a Ref (symbolic)",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", Ref(SECRET_DB, "arn")), symbolic=True),
        passes(f"${{{SECRET_DB}.arn}} key 'password'"),
    ),
    case("user from the credential secret", chain(lambda d: env_to_secret(d, "django", "SQL_USER", f"{DB_ARN}:username::")), passes(f"{DB_ARN} key 'password'")),
    case(
        "different JSON key",
        chain(sql_password(f"{DB_ARN}:admin_password::")),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DB_ARN} key 'admin_password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "the whole secret against one key of it",
        chain(sql_password(DB_ARN)),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DB_ARN}) {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "a version stage (AWSPREVIOUS) is not the same secret value",
        chain(sql_password(f"{DB_ARN}:password:AWSPREVIOUS:")),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DB_ARN} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "a version id against the current version cannot be decided",
        chain(sql_password(f"{DB_ARN}:password::0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DB_ARN} key 'password') are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    case(
        "different secret (Refs)",
        chain(sql_password(Template((Ref(SECRET_DJANGO, "arn"), ":password::"))), symbolic=True),
        ("fail", f"POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD (${{{SECRET_DJANGO}.arn}} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "a version stage, Template form",
        chain(sql_password(Template((Ref(SECRET_DB, "arn"), ":password:AWSPREVIOUS:"))), symbolic=True),
        ("fail", f"POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD (${{{SECRET_DB}.arn}} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "a secret outside the deployment, by ARN",
        chain(sql_password(f"{OUTSIDE_ARN}:password::")),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({OUTSIDE_ARN} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "two secrets by name",
        chain(sql_password("ctj/other"), lambda d: set_secret(d, "postgres", "POSTGRES_PASSWORD", "ctj/db")),
        ("fail", f"POSTGRES_PASSWORD (ctj/db) and SQL_PASSWORD (ctj/other) {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "different secret (literal ARNs)",
        chain(sql_password(f"{DJANGO_ARN}:password::")),
        ("fail", f"POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD ({DJANGO_ARN} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "SQL_PASSWORD in plaintext environment",
        chain(lambda d: secret_to_env(d, "django", "SQL_PASSWORD", "hunter2-plaintext")),
        ("fail", "SQL_PASSWORD of 'django' is in plaintext environment; move it to secrets (valueFrom the shared credential secret)", AT_DJANGO),
    ),
    case(
        "SQL_PASSWORD in secrets AND in plaintext environment",
        chain(lambda d: set_env(d, "django", "SQL_PASSWORD", "hunter2-plaintext")),
        ("fail", "SQL_PASSWORD of 'django' is also set in plaintext environment; keep it only in secrets", AT_DJANGO),
    ),
    case(
        "POSTGRES_PASSWORD missing",
        chain(lambda d: del_secret(d, "postgres", "POSTGRES_PASSWORD")),
        ("fail", "'postgres' does not set POSTGRES_PASSWORD; take it from the shared credential secret in secrets", AT_POSTGRES),
    ),
    case(
        "SQL_PASSWORD missing",
        chain(lambda d: del_secret(d, "django", "SQL_PASSWORD")),
        ("fail", "'django' does not set SQL_PASSWORD; take it from the shared credential secret in secrets", AT_DJANGO),
    ),
    case(
        "user secret from another secret",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", f"{DJANGO_ARN}:username::")),
        ("fail", f"SQL_USER of 'django' comes from {DJANGO_ARN} key 'username', not the credential secret of POSTGRES_PASSWORD", AT_DJANGO),
    ),
    case(
        "database name secret from another secret",
        chain(lambda d: env_to_secret(d, "postgres", "POSTGRES_DB", f"{DJANGO_ARN}:dbname::")),
        ("fail", f"POSTGRES_DB of 'postgres' comes from {DJANGO_ARN} key 'dbname', not the credential secret of POSTGRES_PASSWORD", AT_POSTGRES),
    ),
    case(
        "no database container",
        chain(no_role("postgres", "cache", "redis:7")),
        ("fail", f"task {TASK} has no database container to share the credential secret", AT_TASK),
    ),
    case(
        "no database container, SQL_PASSWORD from the managed database: said at the backend",
        chain(no_role("postgres", "cache", "redis:7"), managed_database, sql_password(Ref(DB_MOD, "owner_password_arn"))),
        ("fail", f"task {TASK} has no database container to share the credential secret", AT_TASK),
        ("fail", f"SQL_PASSWORD of 'django' comes from {DB_MOD}.owner_password_arn, an output of the managed-database module {DB_MOD} (it declares {RDS}): an RDS credential, {TAKE}", AT_DJANGO),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: POSTGRES_PASSWORD and SQL_PASSWORD cannot share a secret")),
    case(
        "a secret outside the deployment on the database side",
        chain(lambda d: set_secret(d, "postgres", "POSTGRES_PASSWORD", f"{OUTSIDE_ARN}:password::")),
        ("fail", f"POSTGRES_PASSWORD ({OUTSIDE_ARN} key 'password') and SQL_PASSWORD ({DB_ARN} key 'password') {DIFFERENT}", AT_DJANGO),
    ),
    case(
        "a version id against the current version, Template form",
        chain(sql_password(Template((Ref(SECRET_DB, "arn"), ":password::0f1e2d3c"))), symbolic=True),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD (${{{SECRET_DB}.arn}} key 'password') are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    # unknown: every branch
    case(
        "a literal ARN on the database side, the credential secret's ARN known only after apply",
        chain(lambda d: set_secret(d, "postgres", "POSTGRES_PASSWORD", f"{OUTSIDE_ARN}:password::"), symbolic=True),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD ({OUTSIDE_ARN} key 'password') and SQL_PASSWORD (${{{SECRET_DB}.arn}} key 'password') are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the credential secret: {AFTER_APPLY}", AT_TASK)),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        ("unknown", f"cannot tell which container of {TASK} is the database: {TASK}.container_definitions.c3.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "database secrets unknown",
        chain(lambda d: edit(d, "postgres", secrets=Unknown(KNOWN_AFTER_APPLY, "var.db_secrets"))),
        ("unknown", f"cannot read POSTGRES_PASSWORD of 'postgres': var.db_secrets is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "password from a module output vs a secret",
        chain(sql_password(Ref(DB_MOD, "owner_password_arn"))),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD ({DB_ARN} key 'password') and SQL_PASSWORD (${{{DB_MOD}.owner_password_arn}}) are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    case(
        "a literal ARN against a secret whose ARN is known only after apply",
        chain(sql_password(f"{OUTSIDE_ARN}:password::"), symbolic=True),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD ({OUTSIDE_ARN} key 'password') are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    case(
        "a valueFrom that only starts with the secret's ARN",
        chain(sql_password(Template((Ref(SECRET_DB, "arn"), "-v2"))), symbolic=True),
        ("unknown", f"cannot tell whether POSTGRES_PASSWORD (${{{SECRET_DB}.arn}} key 'password') and SQL_PASSWORD (${{{SECRET_DB}.arn}}-v2) are the same secret and key: a value is known only after apply", AT_DJANGO),
    ),
    case(
        "user secret from a module output",
        chain(lambda d: env_to_secret(d, "django", "SQL_USER", Ref(DB_MOD, "user_secret_arn"))),
        ("unknown", "cannot tell whether SQL_USER of 'django' comes from the credential secret of POSTGRES_PASSWORD: a value is known only after apply", AT_DJANGO),
    ),
]


LEGACY_TD = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"


def _legacy_password(value_from, secret_address=None, module=DB_MOD):
    """Today's legacy task with SQL_PASSWORD read from ``value_from``; ``secret_address``: an SSM parameter in scope."""

    def build():
        from dataclasses import replace

        dep = legacy()
        td = dep.task_definitions[0]
        c = td.containers[0]
        td.containers = (replace(c, secrets=(SecretVar("SQL_PASSWORD", value_from),)),)
        if secret_address is not None:
            dep.secrets.append(Secret(secret_address, name="/civic-tech-jobs/fullstack-stage-db-owner-password", arn=Ref(secret_address, "arn")))
        if module != DB_MOD:  # the secret module sits outside any database module: only the RDS data source remains
            dep.databases = [d for d in dep.databases if d.kind != "module"]
        return dep

    return build


LEGACY_CASES = [
    case(
        "SQL_PASSWORD from the database module's output",
        _legacy_password(Ref(DB_MOD, "owner_password_arn")),
        ("fail", f"task {LEGACY_TD} has no database container to share the credential secret"),
        ("fail", f"SQL_PASSWORD of 'civic-tech-jobs-fs-stage' comes from {DB_MOD}.owner_password_arn, an output of the managed-database module {DB_MOD} (it declares {RDS}): an RDS credential, {TAKE}"),
    ),
    case(
        "SQL_PASSWORD from the SSM parameter the database module creates (the real tree)",
        _legacy_password(Ref(OWNER_SSM, "arn"), OWNER_SSM),
        ("fail", f"task {LEGACY_TD} has no database container to share the credential secret"),
        ("fail", f"SQL_PASSWORD of 'civic-tech-jobs-fs-stage' comes from aws_ssm_parameter {OWNER_SSM}, which is created by the managed-database module {DB_MOD} (it declares {RDS}): an RDS credential, {TAKE}"),
    ),
    case(
        "a secret module named db_owner_password outside any database module: its name tells nothing",
        _legacy_password(Ref(f"{SCOPE}.module.db_owner_password.aws_ssm_parameter.this", "arn"), f"{SCOPE}.module.db_owner_password.aws_ssm_parameter.this", module=None),
        ("fail", f"task {LEGACY_TD} has no database container to share the credential secret"),
    ),
]


@pytest.mark.parametrize("build, expected", LEGACY_CASES)
def test_legacy_password_provenance(build, expected):
    assert findings(RULE, build()) == expected


def test_a_different_secret_from_the_database_module_says_so():
    from dataclasses import replace

    from rules.builders import stage1

    dep = managed_database(stage1())
    dep.secrets.append(Secret(OWNER_SSM, name="/civic-tech-jobs/db-owner-password", arn=Ref(OWNER_SSM, "arn")))
    dep.task_definitions[0].containers = tuple(
        replace(c, secrets=tuple(SecretVar(v.name, Ref(OWNER_SSM, "arn")) if v.name == "SQL_PASSWORD" else v for v in c.secrets)) for c in dep.task_definitions[0].containers
    )
    [(status, message, _)] = findings(RULE, dep)
    assert status == "fail" and DIFFERENT in message
    assert message.endswith(f"; SQL_PASSWORD comes from aws_ssm_parameter {OWNER_SSM}, which is created by the managed-database module {DB_MOD} (it declares {RDS}): an RDS credential")


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, ("pass", "POSTGRES_PASSWORD and SQL_PASSWORD come from the same secret and key (${aws_secretsmanager_secret.db.arn} key 'password')", TF_TASK)),
    case(
        "the backend reads the whole secret",
        {"django.tf": sub('valueFrom = "${aws_secretsmanager_secret.db.arn}:password::"', "valueFrom = aws_secretsmanager_secret.db.arn")},
        ("fail", f"POSTGRES_PASSWORD (${{aws_secretsmanager_secret.db.arn}} key 'password') and SQL_PASSWORD (${{aws_secretsmanager_secret.db.arn}}) {DIFFERENT}", TF_TASK),
    ),
    case(
        "separate secrets",
        {"django.tf": sub('"${aws_secretsmanager_secret.db.arn}:password::"', '"${aws_secretsmanager_secret.django.arn}:db_password::"')},
        ("fail", f"POSTGRES_PASSWORD (${{aws_secretsmanager_secret.db.arn}} key 'password') and SQL_PASSWORD (${{aws_secretsmanager_secret.django.arn}} key 'db_password') {DIFFERENT}", TF_TASK),
    ),
    case(
        "the password also in plaintext",
        {"django.tf": sub('{ name = "SQL_HOST", value = "localhost" },', '{ name = "SQL_HOST", value = "localhost" },\n      { name = "SQL_PASSWORD", value = "hunter2-plaintext" },')},
        ("fail", "SQL_PASSWORD of 'django' is also set in plaintext environment; keep it only in secrets", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("no task", [("fail", "task", "", None)]),
    ("containers unknown", [("unknown", "task", TASK, None)]),
    ("no database container", [("fail", "task", TASK, None)]),
    ("no database container, SQL_PASSWORD from the managed database: said at the backend",
     [("fail", "task", TASK, None), ("fail", "env", "SQL_PASSWORD", "django")]),
    # how a password is set: the verdict is about that variable of its container
    ("SQL_PASSWORD in plaintext environment", [("fail", "env", "SQL_PASSWORD", "django")]),
    ("POSTGRES_PASSWORD missing", [("fail", "env", "POSTGRES_PASSWORD", "postgres")]),
    ("database secrets unknown", [("unknown", "env", "POSTGRES_PASSWORD", "postgres")]),
    # whether the two passwords share a secret and key: about SQL_PASSWORD, the backend's copy
    ("different JSON key", [("fail", "env", "SQL_PASSWORD", "django")]),
    ("a version id against the current version cannot be decided", [("unknown", "env", "SQL_PASSWORD", "django")]),
    ("stage1 literal ARNs", [("pass", "env", "SQL_PASSWORD", "django")]),
    # a user or database name from another secret: about that variable of its container
    ("database name secret from another secret", [("fail", "env", "POSTGRES_DB", "postgres")]),
    ("user secret from another secret", [("fail", "env", "SQL_USER", "django")]),
    ("user secret from a module output", [("unknown", "env", "SQL_USER", "django")]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
