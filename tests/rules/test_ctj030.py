"""CTJ030 (warning): no NEXT_PUBLIC_* in the frontend's runtime environment or secrets (they are build-time)."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, EnvVar, SecretVar, Unknown

from .builders import (
    AFTER_APPLY,
    AT_NEXTJS,
    AT_TASK,
    DJANGO_ARN,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    legacy,
    no_task,
    renamed,
    set_env,
    set_secret,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ030"
PASS = ("pass", "frontend 'nextjs' sets no NEXT_PUBLIC_* variable at runtime", AT_NEXTJS)


def flagged(name, where="environment"):
    return ("fail", f"frontend 'nextjs' sets {name} in its runtime {where}, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg", AT_NEXTJS)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", "frontend 'ui' sets no NEXT_PUBLIC_* variable at runtime", AT_NEXTJS)),
    case("stage1", chain(), PASS),
    case("NEXT_PUBLIC_API_URL in environment", chain(lambda d: set_env(d, "nextjs", "NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org")), flagged("NEXT_PUBLIC_API_URL")),
    case("NEXT_PUBLIC_ in secrets", chain(lambda d: set_secret(d, "nextjs", "NEXT_PUBLIC_COGNITO_CLIENT_ID", DJANGO_ARN)), flagged("NEXT_PUBLIC_COGNITO_CLIENT_ID", "secrets")),
    case("lower case is the same variable prefix", chain(lambda d: set_env(d, "nextjs", "next_public_x", "1")), flagged("next_public_x")),
    case(
        "two of them, one finding each",
        chain(lambda d: set_env(d, "nextjs", "NEXT_PUBLIC_A", "1"), lambda d: set_env(d, "nextjs", "NEXT_PUBLIC_B", "2")),
        flagged("NEXT_PUBLIC_A"),
        flagged("NEXT_PUBLIC_B"),
    ),
    case("NEXT_PUBLIC without the underscore is not the prefix", chain(lambda d: set_env(d, "nextjs", "NEXT_PUBLICATION", "1")), PASS),
    case("NEXT_PUBLIC_ on the backend is not this rule's", chain(lambda d: set_env(d, "django", "NEXT_PUBLIC_X", "1")), PASS),
    case("no frontend: nothing to flag", legacy, ("pass", f"task {SCOPE}.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task has no frontend container: nothing to check for NEXT_PUBLIC_* variables")),
    case("no task: nothing to flag", chain(no_task), ("pass", f"{NO_TASK}: nothing to check for NEXT_PUBLIC_* variables")),
    # unknown: every branch
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the frontend container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "frontend role undecided",
        chain(unknown_role("nextjs", "c2")),
        ("unknown", f"cannot tell which container of {TASK} is the frontend: {TASK}.container_definitions.c2.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "environment unknown",
        chain(lambda d: edit(d, "nextjs", environment=Unknown(KNOWN_AFTER_APPLY, "var.frontend_env"))),
        ("unknown", f"environment of frontend 'nextjs' is not known: var.frontend_env is known after apply; {HINT}", AT_NEXTJS),
    ),
    case(
        "environment unknown, a NEXT_PUBLIC_ secret still reported",
        chain(lambda d: edit(d, "nextjs", environment=Unknown(KNOWN_AFTER_APPLY, "var.frontend_env")), lambda d: set_secret(d, "nextjs", "NEXT_PUBLIC_X", DJANGO_ARN)),
        ("unknown", f"environment of frontend 'nextjs' is not known: var.frontend_env is known after apply; {HINT}", AT_NEXTJS),
        flagged("NEXT_PUBLIC_X", "secrets"),
    ),
    case(
        "secrets unknown",
        chain(lambda d: edit(d, "nextjs", secrets=Unknown(KNOWN_AFTER_APPLY, "var.frontend_secrets"))),
        ("unknown", f"secrets of frontend 'nextjs' is not known: var.frontend_secrets is known after apply; {HINT}", AT_NEXTJS),
    ),
    case(
        "an environment name unknown",
        chain(lambda d: edit(d, "nextjs", environment=(EnvVar(Unknown(KNOWN_AFTER_APPLY, "var.name"), "x"),))),
        ("unknown", f"a variable name in the environment of frontend 'nextjs' is not known: var.name is known after apply; {HINT}", AT_NEXTJS),
    ),
    case(
        "a secret name unknown",
        chain(lambda d: edit(d, "nextjs", secrets=(SecretVar(Unknown(KNOWN_AFTER_APPLY, "var.name"), DJANGO_ARN),))),
        ("unknown", f"a variable name in the secrets of frontend 'nextjs' is not known: var.name is known after apply; {HINT}", AT_NEXTJS),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


@pytest.mark.parametrize("build, expected", CASES)
def test_a_runtime_next_public_variable_is_the_subject_of_its_failure(build, expected):
    from ctj_policy.rules import get_rule

    from .builders import CONFIG

    for f in get_rule(RULE).check(build(), CONFIG):
        if f.status == "fail":
            name = f.message.split(" sets ", 1)[1].split(" ", 1)[0]
            assert (f.subject.kind, f.subject.name, f.subject.container) == ("env", name, "nextjs"), (f.subject, f.message)


HCL = [
    case("stage1", {}, ("pass", "frontend 'nextjs' sets no NEXT_PUBLIC_* variable at runtime", TF_TASK)),
    case(
        "NEXT_PUBLIC_API_URL in the task definition",
        {"nextjs.tf": sub('[{ name = "NODE_ENV", value = "production" }]', '[{ name = "NODE_ENV", value = "production" }, { name = "NEXT_PUBLIC_API_URL", value = "https://stage.civictechjobs.org/api" }]')},
        ("fail", "frontend 'nextjs' sets NEXT_PUBLIC_API_URL in its runtime environment, where it has no effect: Next.js inlines NEXT_PUBLIC_* at build time; pass it as a docker --build-arg", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
