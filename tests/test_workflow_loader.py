"""The workflow loader (SPEC section 11): fixtures read exactly, shell lexing, expressions, unknowns, errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import FIXTURES, ROOT
from ctj_policy.loaders import InputError
from ctj_policy.loaders.shell import ShellSyntaxError, split_commands
from ctj_policy.loaders.workflow import load_workflow
from ctj_policy.model import NOT_EVALUATED, UNRESOLVED, Template, Unknown, is_known, same_value
from ctj_policy.workflow_model import (
    COMMIT_SHA,
    ECR_REGISTRY,
    SECRET,
    Permissions,
    Redeploy,
    Symbol,
    matches_literal,
    parse_image,
    show,
)

WORKFLOWS = FIXTURES / "workflows"


def summary(wf):
    """Plain values of everything the rules read (symbolic values shown as the workflow writes them)."""
    return {
        "builds": [
            (
                b.origin.label,
                b.origin.line,
                b.tool,
                show(b.context),
                show(b.dockerfile),
                [(show(t.registry), show(t.repository), show(t.tag), t.line) for t in b.tags],
                [(a.name, show(a.value), a.line) for a in b.build_args],
                b.push,
            )
            for b in wf.builds
        ],
        "pushes": [(p.origin.line, p.tool, show(p.image.repository), show(p.image.tag), p.build is not None) for p in wf.pushes],
        "redeploys": [
            (r.origin.line, r.tool, show(r.service), show(r.cluster), r.service_line, r.cluster_line, r.force_new_deployment)
            for r in wf.redeploys
        ],
        "credentials": [
            (c.origin.line, c.role_name, [(k.name, k.source, k.origin.line) for k in c.static_keys], c.id_token, c.id_token_line)
            for c in wf.credentials
        ],
        "static_keys": [(k.name, k.via, k.origin.line) for k in wf.static_keys],
        "gaps": [(g.kind, g.origin.line) for g in wf.gaps],
    }


ECR = "${{ steps.ecr.outputs.registry }}"
LOGIN_ECR = "${{ steps.login-ecr.outputs.registry }}"
LOGIN = "${{ steps.login.outputs.registry }}"
OIDC_ROLE = "incubator-cicd-civic-tech-jobs"

FIXTURE_CASES = {
    "stage1-deploy.yml": {
        "builds": [
            ("deploy/backend", 51, "docker build", ".", "./stage/backend.Dockerfile",
             [(ECR, "civic-tech-jobs-backend", "stage", 53)], [], False),
            ("deploy/frontend", 65, "docker build", ".", "./stage/frontend.Dockerfile",
             [(ECR, "civic-tech-jobs-frontend", "stage", 67)],
             [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 66)], False),
        ],
        "pushes": [(55, "docker push", "civic-tech-jobs-backend", "stage", True),
                   (68, "docker push", "civic-tech-jobs-frontend", "stage", True)],
        "redeploys": [(72, "aws ecs update-service", "civic-tech-jobs-stage", "incubator-prod", 74, 73, True)],
        "credentials": [(33, OIDC_ROLE, [], "write", 24)],
        "static_keys": [],
        "gaps": [],
    },
    "stage1-build-push-action.yml": {
        "builds": [
            ("images/Backend image", 35, "docker/build-push-action", ".", "stage/backend.Dockerfile",
             [(LOGIN, "civic-tech-jobs-backend", "stage", 41)], [], True),
            ("images/Frontend image", 43, "docker/build-push-action", ".", "stage/frontend.Dockerfile",
             [(LOGIN, "civic-tech-jobs-frontend", "stage", 53)],
             [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 50), ("NODE_ENV", "production", 51)], True),
        ],
        "pushes": [(35, "docker/build-push-action", "civic-tech-jobs-backend", "stage", True),
                   (43, "docker/build-push-action", "civic-tech-jobs-frontend", "stage", True)],
        "redeploys": [(69, "aws-actions/amazon-ecs-deploy-task-definition", "civic-tech-jobs-stage", "incubator-prod", 74, 73, True)],
        "credentials": [(25, OIDC_ROLE, [], "write", 12), (59, OIDC_ROLE, [], "write", 12)],
        "static_keys": [],
        "gaps": [],
    },
    "sha-tag.yml": {
        "builds": [
            ("deploy/Build, tag and push both images", 35, "docker build", ".", "./stage/frontend.Dockerfile",
             [(LOGIN_ECR, "civic-tech-jobs-frontend", "${{ github.sha }}", 36)],
             [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 35)], False),
            ("deploy/Build, tag and push both images", 37, "docker build", ".", "./stage/backend.Dockerfile",
             [(LOGIN_ECR, "civic-tech-jobs-backend", "${{ github.sha }}", 37)], [], False),
        ],
        "pushes": [(38, "docker push", "civic-tech-jobs-frontend", "${{ github.sha }}", True),
                   (39, "docker push", "civic-tech-jobs-backend", "${{ github.sha }}", True)],
        "redeploys": [(42, "aws ecs update-service", "civic-tech-jobs-stage", "incubator-prod", 42, 42, True)],
        "credentials": [(23, OIDC_ROLE, [], "write", 18)],
        "static_keys": [],
        "gaps": [],
    },
    "wrong-service.yml": {
        "builds": [
            ("deploy/Images", 34, "docker build", ".", "stage/backend.Dockerfile", [(ECR, "civic-tech-jobs-backend", "stage", 34)], [], False),
            ("deploy/Images", 35, "docker build", ".", "stage/frontend.Dockerfile", [(ECR, "civic-tech-jobs-frontend", "stage", 36)],
             [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 35)], False),
        ],
        "pushes": [(37, "docker push", "civic-tech-jobs-backend", "stage", True),
                   (37, "docker push", "civic-tech-jobs-frontend", "stage", True)],
        "redeploys": [(42, "aws ecs update-service", "civic-tech-jobs-fs-stage", "incubator-prod", 42, 42, True)],
        "credentials": [(21, OIDC_ROLE, [], "write", 16)],
        "static_keys": [],
        "gaps": [],
    },
    "static-keys.yml": {
        "builds": [
            ("deploy/Build and push", 35, "docker build", ".", "stage/backend.Dockerfile", [(LOGIN_ECR, "civic-tech-jobs-backend", "stage", 35)], [], False),
            ("deploy/Build and push", 36, "docker build", ".", "stage/frontend.Dockerfile", [(LOGIN_ECR, "civic-tech-jobs-frontend", "stage", 38)],
             [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 37)], False),
        ],
        "pushes": [(39, "docker push", "civic-tech-jobs-backend", "stage", True),
                   (40, "docker push", "civic-tech-jobs-frontend", "stage", True)],
        "redeploys": [(43, "aws ecs update-service", "civic-tech-jobs-stage", "incubator-prod", 43, 43, True)],
        "credentials": [(21, None, [("aws-access-key-id", "secret", 24), ("aws-secret-access-key", "secret", 25)], "none", 9)],
        "static_keys": [("aws-access-key-id", "with", 24), ("aws-secret-access-key", "with", 25)],
        "gaps": [],
    },
    "next-public-env-only.yml": {
        "builds": [
            ("deploy/Backend image", 29, "docker build", ".", "stage/backend.Dockerfile", [(ECR, "civic-tech-jobs-backend", "stage", 29)], [], False),
            ("deploy/Frontend image", 36, "docker build", ".", "stage/frontend.Dockerfile", [(ECR, "civic-tech-jobs-frontend", "stage", 36)], [], False),
        ],
        "pushes": [(30, "docker push", "civic-tech-jobs-backend", "stage", True),
                   (37, "docker push", "civic-tech-jobs-frontend", "stage", True)],
        "redeploys": [(40, "aws ecs update-service", "civic-tech-jobs-stage", "incubator-prod", 40, 40, True)],
        "credentials": [(19, OIDC_ROLE, [], "write", 14)],
        "static_keys": [],
        "gaps": [],
    },
    "postgres-image.yml": {
        "builds": [
            ("deploy/Build and push the images", 36, "docker buildx build", ".", "stage/backend.Dockerfile",
             [(ECR, "civic-tech-jobs-backend", "stage", 36)], [], True),
            ("deploy/Build and push the images", 37, "docker buildx build", ".", "stage/frontend.Dockerfile",
             [(ECR, "civic-tech-jobs-frontend", "stage", 39)], [("NEXT_PUBLIC_API_URL", "https://stage.civictechjobs.org", 38)], True),
            ("deploy/Build and push the images", 40, "docker buildx build", "./stage", "stage/postgres.Dockerfile",
             [(ECR, "civic-tech-jobs-postgres", "stage", 41)], [("PG_MAJOR", "18", 40)], True),
        ],
        "pushes": [(36, "docker buildx build --push", "civic-tech-jobs-backend", "stage", True),
                   (37, "docker buildx build --push", "civic-tech-jobs-frontend", "stage", True),
                   (40, "docker buildx build --push", "civic-tech-jobs-postgres", "stage", True)],
        "redeploys": [(44, "aws ecs update-service", "civic-tech-jobs-stage", "incubator-prod", 44, 44, True)],
        "credentials": [(22, OIDC_ROLE, [], "write", 17)],
        "static_keys": [],
        "gaps": [],
    },
    "legacy.yml": {
        "builds": [
            ("deploy/Build and push the fullstack image", 38, "docker build", ".", "./stage/Dockerfile",
             [(LOGIN_ECR, "civic-tech-jobs-fullstack", "stage", 38)], [], False),
        ],
        "pushes": [(39, "docker push", "civic-tech-jobs-fullstack", "stage", True)],
        "redeploys": [(46, "aws ecs update-service", "civic-tech-jobs-fs-stage", "incubator-prod", 46, 46, True)],
        "credentials": [(21, OIDC_ROLE, [], "write", 16)],
        "static_keys": [],
        "gaps": [],
    },
}


@pytest.mark.parametrize("name", sorted(FIXTURE_CASES))
def test_fixture_read_exactly(name):
    wf = load_workflow(str(WORKFLOWS / name))
    assert summary(wf) == FIXTURE_CASES[name]
    assert wf.path == str(WORKFLOWS / name)
    assert wf.triggers[0] == "push"  # `on:` parses as True: the loader finds it anyway


def test_every_fixture_workflow_has_a_case():
    names = {p.name for p in WORKFLOWS.glob("*.yml")} - {"bad.yml", "not-a-workflow.yml"}
    assert names == set(FIXTURE_CASES)


def test_stage1_values_are_symbolic_where_the_runner_supplies_them():
    wf = load_workflow(str(WORKFLOWS / "stage1-deploy.yml"))
    tag = wf.builds[0].tags[0]
    assert tag.registry == Symbol("steps.ecr.outputs.registry", kind=ECR_REGISTRY)
    assert tag.is_ecr is True and not is_known(tag.text)
    assert isinstance(tag.text, Template)
    assert matches_literal(tag.tag, "stage") is True
    assert wf.pushes[0].build is wf.builds[0]  # the push is of the image built above it
    assert wf.builds[1].env == ("API_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "ECS_CLUSTER", "ECS_SERVICE", "IMAGE_TAG", "REGISTRY", "REPOSITORY")
    steps = wf.jobs[0].steps
    assert [(s.position, s.origin.line, s.action, s.run) for s in steps] == [
        (1, 30, "actions/checkout", False),
        (2, 33, "aws-actions/configure-aws-credentials", False),
        (3, 40, "aws-actions/amazon-ecr-login", False),
        (4, 44, None, True),
        (5, 57, None, True),
        (6, 70, None, True),
    ]
    assert wf.ecr_logins[0].origin.line == 40
    assert wf.credentials[0].region == "us-west-2"  # ${{ env.AWS_REGION }}
    assert wf.builds[0].origin.location.file == str(WORKFLOWS / "stage1-deploy.yml")
    assert wf.builds[0].origin.at(53).line == 53


def test_sha_tag_can_never_be_stage():
    wf = load_workflow(str(WORKFLOWS / "sha-tag.yml"))
    tags = [p.image.tag for p in wf.pushes]
    assert tags == [Symbol("github.sha", kind=COMMIT_SHA)] * 2
    assert all(matches_literal(t, "stage") is False for t in tags)


def test_next_public_only_in_env_is_not_a_build_arg():
    wf = load_workflow(str(WORKFLOWS / "next-public-env-only.yml"))
    frontend = wf.builds[1]
    assert frontend.build_arg("NEXT_PUBLIC_API_URL") is None
    assert "NEXT_PUBLIC_API_URL" in frontend.env


def test_legacy_redeploy_value_with_trailing_blank_is_the_name():
    wf = load_workflow(str(WORKFLOWS / "legacy.yml"))
    assert wf.redeploys[0].service_name == "civic-tech-jobs-fs-stage"
    assert wf.redeploys[0].cluster_name == "incubator-prod"


# --------------------------------------------------------------------------
# small workflows
# --------------------------------------------------------------------------

HEAD = """\
name: t
on: push
env:
  REG: 123456789012.dkr.ecr.us-west-2.amazonaws.com
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: s
"""


def one_step(tmp_path, script, env=None, extra=""):
    """A workflow whose step `s` runs ``script`` (its first line is line 11 of the file)."""
    text = HEAD
    if env:
        text += "        env:\n" + "".join(f"          {k}: {v}\n" for k, v in env.items())
    text += "        run: |\n" + textwrap.indent(textwrap.dedent(script), " " * 10) + extra
    path = tmp_path / "wf.yml"
    path.write_text(text)
    first = text.splitlines().index("        run: |") + 2
    return load_workflow(str(path)), first


SHELL_CASES = {
    # name: (script, env, expected [(repository, tag, tag line offset)] of the builds' tags)
    "continuations": ("docker build \\\n  -t $REG/app:1 \\\n  .\n", None, [("app", "1", 1)]),
    "continuation inside a word": ('docker build -t $REG/ap\\\np:"v\\\n1" .\n', None, [("app", "v1", 0)]),
    "quotes joined": ('docker build -t "$REG"/\'app\':"$T" .\n', {"T": "v2"}, [("app", "v2", 0)]),
    "single quotes keep $": ("docker build -t 'x/$T' .\n", {"T": "v2"}, [("x/$T", None, 0)]),
    "--tag=x": ("docker build --tag=$REG/app:2 .\n", None, [("app", "2", 0)]),
    "-tx and -t=x": ("docker build -t$REG/a:1 -t=$REG/b:2 .\n", None, [("a", "1", 0), ("b", "2", 0)]),
    "braces and default": ("docker build -t ${REG}/app:${TAG:-stage} .\n", None, [("app", "stage", 0)]),
    "default not used when set": ("docker build -t ${REG}/app:${TAG:-stage} .\n", {"TAG": "x"}, [("app", "x", 0)]),
    "script variable": ('IMAGE="$REG/app:$T"\ndocker build -t "$IMAGE" .\n', {"T": "s"}, [("app", "s", 1)]),
    "&& and ;": ("docker build -t a:1 . && docker build -t b:2 .; echo done\n", None, [("a", "1", 0), ("b", "2", 0)]),
    "if/then": ("if true; then docker build -t a:1 .; fi\n", None, [("a", "1", 0)]),
    "comment": ("# docker build -t hidden:1 .\ndocker build -t a:1 . # -t b:2\n", None, [("a", "1", 1)]),
    "unquoted expansion splits": ('ARGS="-t a:1 -t b:2"\ndocker build $ARGS .\n', None, [("a", "1", 1), ("b", "2", 1)]),
    "heredoc body skipped": ("cat <<EOF > x\ndocker build -t hidden:1 .\nEOF\ndocker build -t a:1 .\n", None, [("a", "1", 3)]),
    "bash -c": ("bash -c 'docker build -t a:1 .'\n", None, [("a", "1", 0)]),
    "sudo and global options": ("sudo docker --log-level warn build -t a:1 .\n", None, [("a", "1", 0)]),
    "image build": ("docker image build -t a:1 .\n", None, [("a", "1", 0)]),
}


@pytest.mark.parametrize("name", sorted(SHELL_CASES))
def test_shell_lexing(tmp_path, name):
    script, env, expected = SHELL_CASES[name]
    wf, first = one_step(tmp_path, script, env)
    got = [(show(t.repository), t.tag, t.line - first) for b in wf.builds for t in b.tags]
    assert got == expected


def test_build_args_forms(tmp_path):
    wf, first = one_step(
        tmp_path,
        'export FROM_SCRIPT=s\nLOCAL=l\ndocker build --build-arg A=1 --build-arg=B="two words" --build-arg C --build-arg FROM_SCRIPT '
        "--build-arg LOCAL --build-arg MISSING -t a:1 .\n",
        {"C": "from-step-env"},
    )
    args = [(a.name, a.value, a.from_env, a.line - first) for a in wf.builds[0].build_args]
    assert args == [
        ("A", "1", False, 2),
        ("B", "two words", False, 2),
        ("C", "from-step-env", True, 2),
        ("FROM_SCRIPT", "s", True, 2),
        ("LOCAL", None, True, 2),  # not exported: docker does not see it
        ("MISSING", None, True, 2),
    ]


def test_tag_then_push_links_the_build(tmp_path):
    wf, first = one_step(tmp_path, "docker build -t local:1 .\ndocker tag local:1 $REG/app:stage\ndocker push $REG/app:stage\n")
    push = wf.pushes[0]
    assert push.build is wf.builds[0]
    assert push.source.text == "local:1"
    assert push.image.is_ecr is True and push.image.repository == "app" and push.image.tag == "stage"
    assert (wf.tags[0].origin.line - first, wf.tags[0].target.repository) == (1, "app")


def test_pulled_image_pushed_has_no_build(tmp_path):
    wf, _ = one_step(tmp_path, "docker pull postgres:18\ndocker tag postgres:18 $REG/db:stage\ndocker push $REG/db:stage\n")
    push = wf.pushes[0]
    assert push.build is None and push.source.repository == "postgres" and push.source.tag == "18"


def test_push_all_tags(tmp_path):
    wf, _ = one_step(tmp_path, "docker build -t $REG/app:a -t $REG/app:b -t other:c .\ndocker push --all-tags $REG/app\n")
    assert sorted(p.image.tag for p in wf.pushes) == ["a", "b"]


def test_unset_variable_is_unknown_with_what_is_missing(tmp_path):
    wf, _ = one_step(tmp_path, "docker build -t $REG/app:$IMAGE_TAG .\n")
    tag = wf.builds[0].tags[0].tag
    assert isinstance(tag, Unknown) and tag.reason == UNRESOLVED and tag.where == "$IMAGE_TAG"
    assert "IMAGE_TAG is not set" in tag.detail
    assert matches_literal(tag, "stage") is None  # never a pass


@pytest.mark.parametrize(
    "script, reason, where",
    [
        ("docker build -t a:$(git rev-parse --short HEAD) .\n", NOT_EVALUATED, "$(git rev-parse --short HEAD)"),
        ("docker build -t a:`date +%s` .\n", NOT_EVALUATED, "`date +%s`"),
        ("docker build -t a:${TAG%-*} .\n", NOT_EVALUATED, "${TAG%-*}"),
        ("docker build -t a:${TAG:?} .\n", UNRESOLVED, "${TAG:?}"),
        ("docker build -t a:$1 .\n", NOT_EVALUATED, "$1"),
        ("docker build -t a:${{ format('{0}', github.sha) }} .\n", NOT_EVALUATED, "${{ format('{0}', github.sha) }}"),
        ("docker build -t a:${{ steps.nope.outputs.tag }} .\n", UNRESOLVED, "${{ steps.nope.outputs.tag }}"),
        ("docker build -t a:${{ env.NOPE }} .\n", UNRESOLVED, "${{ env.NOPE }}"),
    ],
)
def test_what_cannot_be_resolved_is_unknown(tmp_path, script, reason, where):
    wf, _ = one_step(tmp_path, script)
    tag = wf.builds[0].tags[0].tag
    assert isinstance(tag, Unknown), tag
    assert (tag.reason, tag.where) == (reason, where)
    assert tag.detail


def test_commands_inside_a_command_substitution_run(tmp_path):
    wf, first = one_step(tmp_path, 'OUT=$(aws ecs update-service --cluster c \\\n  --service s)\necho "$(docker push a:1)"\n')
    assert [(r.service, r.cluster, r.origin.line - first) for r in wf.redeploys] == [("s", "c", 0)]
    assert [(p.image.repository, p.origin.line - first) for p in wf.pushes] == [("a", 2)]


def test_symbols_from_the_runner(tmp_path):
    wf, _ = one_step(
        tmp_path,
        "docker build -t $REG/app:$GITHUB_SHA -t $REG/app:${{ github.sha }} -t $REG/app:${{ secrets.TAG }} "
        "-t $REG/app:v${{ github.run_number }} .\n",
    )
    tags = [t.tag for t in wf.builds[0].tags]
    assert tags[0] == tags[1] == Symbol("github.sha", kind=COMMIT_SHA)
    assert tags[2] == Symbol("secrets.TAG", kind=SECRET)
    assert matches_literal(tags[2], "stage") is None
    assert matches_literal(tags[3], "stage") is False and matches_literal(tags[3], "v12") is None


def test_step_outputs_and_github_env_flow_to_later_steps(tmp_path):
    extra = """\
      - run: echo "TAG=from-env" >> $GITHUB_ENV
      - uses: docker/build-push-action@v6
        with:
          push: ${{ github.ref == 'refs/heads/main' }}
          tags: ${{ steps.s.outputs.image }},other:${{ env.TAG }}
"""
    wf, _ = one_step(tmp_path, 'echo "image=$REG/app:stage" >> "$GITHUB_OUTPUT"\n', extra=extra)
    build = wf.builds[0]
    assert [(t.registry, t.repository, t.tag) for t in build.tags] == [
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com", "app", "stage"),
        (None, "other", "from-env"),
    ]
    assert isinstance(build.push, Unknown) and all(isinstance(p.certain, Unknown) for p in wf.pushes)
    assert build.context is None  # the action's default Git context


def test_render_then_deploy_task_definition(tmp_path):
    """The older CivicTechJobs pattern: image written to $GITHUB_OUTPUT, rendered into a task definition file."""
    extra = """\
      - id: td
        uses: aws-actions/amazon-ecs-render-task-definition@v1
        with:
          task-definition: aws/task-definition.json
          container-name: app
          image: ${{ steps.s.outputs.image }}
      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: ${{ steps.td.outputs.task-definition }}
          service: svc
"""
    wf, _ = one_step(tmp_path, 'docker build -t "$REG/app:$GITHUB_SHA" .\necho "image=$REG/app:$GITHUB_SHA" >> $GITHUB_OUTPUT\n',
                     extra=extra)
    render = wf.renders[0]
    assert (render.container_name, render.image.repository, render.image.tag) == ("app", "app", Symbol("github.sha", kind=COMMIT_SHA))
    assert render.origin.line == 13 and render.image.line == 18
    deploy = wf.redeploys[0]
    assert (deploy.service, deploy.cluster, deploy.cluster_name) == ("svc", None, "default")
    assert deploy.task_definition.kind == "step_output" and "amazon-ecs-render-task-definition" in deploy.task_definition.detail


def test_redeploy_forms(tmp_path):
    wf, first = one_step(
        tmp_path,
        "aws --region us-west-2 ecs update-service --service=svc --cluster=arn:aws:ecs:us-west-2:1:cluster/incubator-prod\n"
        "aws ecs update-service --cluster c --service arn:aws:ecs:us-west-2:1:service/c/svc2 --no-force-new-deployment\n"
        "aws ecs update-service --service svc3\n"
        "aws ecs update-service --cli-input-json file://svc.json\n"
        "aws ecs deploy --service svc4 --cluster c --task-definition td.json --codedeploy-appspec a.yml\n",
    )
    got = [(r.tool, show(r.service_name), r.cluster_name, r.force_new_deployment, r.origin.line - first) for r in wf.redeploys]
    assert got[:3] == [
        ("aws ecs update-service", "svc", "incubator-prod", None, 0),
        ("aws ecs update-service", "svc2", "c", False, 1),
        ("aws ecs update-service", "svc3", "default", None, 2),
    ]
    assert isinstance(wf.redeploys[3].service, Unknown) and "--cli-input-json" in wf.redeploys[3].service.detail
    assert got[4] == ("aws ecs deploy", "svc4", "c", None, 4)


def test_gaps_for_what_may_push_but_is_not_read(tmp_path):
    wf, first = one_step(
        tmp_path,
        "./scripts/deploy.sh stage\nmake push TOKEN=abcd1234\ndocker compose build\ndocker buildx bake --push\n"
        "bash scripts/release.sh\ndocker build -t a:'unterminated .\n",
    )
    assert [(g.kind, g.origin.line - first) for g in wf.gaps] == [
        ("script", 0), ("script", 1), ("docker", 2), ("docker", 3), ("script", 4), ("shell", 5)
    ]
    assert "abcd1234" not in " ".join(g.what for g in wf.gaps)  # an assignment's value is never shown


def test_unread_shells_reusable_workflows_and_local_actions_are_gaps(tmp_path):
    path = tmp_path / "wf.yml"
    path.write_text(
        "on: push\njobs:\n  a:\n    uses: org/repo/.github/workflows/deploy.yml@main\n"
        "  b:\n    runs-on: windows-latest\n    steps:\n      - shell: pwsh\n        run: docker push x:1\n"
        "      - uses: ./.github/actions/deploy\n      - uses: some-org/ecr-push-action@v1\n"
    )
    wf = load_workflow(str(path))
    assert [(g.kind, g.origin.label, g.origin.line) for g in wf.gaps] == [
        ("workflow", "a", 3), ("shell", "b/step 1", 8), ("action", "b/step 2", 10), ("action", "b/step 3", 11)
    ]
    assert wf.pushes == []


def test_matrix_jobs_expand(tmp_path):
    path = tmp_path / "wf.yml"
    path.write_text(textwrap.dedent("""\
        on: push
        jobs:
          build:
            strategy:
              matrix:
                app: [frontend, backend, worker]
                exclude:
                  - app: worker
                include:
                  - app: frontend
                    args: --build-arg NEXT_PUBLIC_API_URL=https://x
            runs-on: ubuntu-latest
            steps:
              - run: docker build ${{ matrix.args }} -t r.example.com/ctj-${{ matrix.app }}:stage ./${{ matrix.app }}
        """))
    wf = load_workflow(str(path))
    assert [j.label for j in wf.jobs] == ["build (frontend, --build-arg NEXT_PUBLIC_API_URL=https://x)", "build (backend)"]
    assert [(b.tags[0].repository, b.context, [a.name for a in b.build_args]) for b in wf.builds] == [
        ("ctj-frontend", "./frontend", ["NEXT_PUBLIC_API_URL"]),
        ("ctj-backend", "./backend", []),
    ]
    assert isinstance(wf.builds[1].unresolved_args[0], Unknown)  # matrix.args: no such value for backend


def test_static_keys_anywhere_and_literal_values_redacted(tmp_path):
    path = tmp_path / "wf.yml"
    path.write_text(textwrap.dedent("""\
        on: push
        env:
          AWS_ACCESS_KEY_ID: ${{ secrets.KEY }}
        jobs:
          j:
            runs-on: ubuntu-latest
            permissions: write-all
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  aws-access-key-id: AKIAEXAMPLEEXAMPLE12
                  aws-secret-access-key: wJalrXUtnFEMIexampleLiteralSecretValue
                  role-to-assume: incubator-cicd-civic-tech-jobs
              - run: aws configure set aws_secret_access_key ${{ secrets.S }}
                env:
                  DB_PASSWORD: hunter2-literal
        """))
    wf = load_workflow(str(path))
    assert [(k.name, k.via, k.source, k.origin.line) for k in wf.static_keys] == [
        ("AWS_ACCESS_KEY_ID", "env", "secret", 3),
        ("aws-access-key-id", "with", "literal", 11),
        ("aws-secret-access-key", "with", "literal", 12),
        ("aws_secret_access_key", "aws configure", "secret", 14),
    ]
    assert {"AKIAEXAMPLEEXAMPLE12", "wJalrXUtnFEMIexampleLiteralSecretValue", "hunter2-literal"} <= wf.redact
    cred = wf.credentials[0]
    assert (cred.role_name, cred.id_token, cred.id_token_line) == ("incubator-cicd-civic-tech-jobs", "write", 7)
    assert "wJalrXUtnFEMI" not in repr(wf.static_keys) + repr(wf.credentials)


@pytest.mark.parametrize(
    "permissions, expected",
    [
        ("", ("none", None)),  # no key anywhere: GitHub's default id-token is none
        ("    permissions:\n      id-token: write\n", ("write", 5)),
        ("    permissions:\n      contents: read\n", ("none", 4)),
        ("    permissions: read-all\n", ("none", 4)),
        ("    permissions: {}\n", ("none", 4)),
    ],
)
def test_id_token_permission(tmp_path, permissions, expected):
    path = tmp_path / "wf.yml"
    path.write_text(
        "on: push\njobs:\n  j:\n" + permissions + "    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: r\n"
    )
    cred = load_workflow(str(path)).credentials[0]
    assert (cred.id_token, cred.id_token_line) == expected


# --------------------------------------------------------------------------
# the lexer and the model helpers on their own
# --------------------------------------------------------------------------


def test_lexer_lines_operators_and_redirections():
    cmds = split_commands('a "x\ny" \\\n  z && b | c\n\necho k=v 2>&1 >> "$F"; d\n')
    assert [(c.line, [w.literal() for w in c.words]) for c in cmds] == [
        (0, ["a", "x\ny", "z"]), (2, ["b"]), (2, ["c"]), (4, ["echo", "k=v"]), (4, ["d"])
    ]
    assert [r.op for r in cmds[3].redirects] == ["2>&", ">>"]


@pytest.mark.parametrize("script", ["echo 'open", 'echo "open', "echo $(open", "echo ${open", "echo `open"])
def test_lexer_unterminated(script):
    with pytest.raises(ShellSyntaxError) as exc:
        split_commands("docker push a:1\n" + script)
    # the shell runs the complete commands before the error; the incomplete one is dropped
    assert [[w.literal() for w in c.words] for c in exc.value.commands] == [["docker", "push", "a:1"]]
    assert exc.value.line == 1


@pytest.mark.parametrize(
    "text, registry, repository, tag",
    [
        ("postgres", None, "postgres", None),
        ("postgres:18.1", None, "postgres", "18.1"),
        ("library/postgres:18", None, "library/postgres", "18"),
        ("docker.io/library/postgres:18", "docker.io", "library/postgres", "18"),
        ("public.ecr.aws/docker/library/postgres:18", "public.ecr.aws", "docker/library/postgres", "18"),
        ("localhost:5000/app", "localhost:5000", "app", None),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage",
         "123456789012.dkr.ecr.us-west-2.amazonaws.com", "civic-tech-jobs-backend", "stage"),
    ],
)
def test_parse_image(text, registry, repository, tag):
    ref = parse_image(text)
    assert (ref.registry, ref.repository, ref.tag) == (registry, repository, tag)
    assert ref.is_ecr is registry.endswith("amazonaws.com") if registry else ref.is_ecr is False


def test_parse_image_symbolic():
    sym = Symbol("steps.ecr.outputs.registry", kind=ECR_REGISTRY)
    ref = parse_image(Template((sym, "/app:stage@sha256:abc")))
    assert (ref.registry, ref.repository, ref.tag, ref.digest, ref.is_ecr) == (sym, "app", "stage", "sha256:abc", True)
    whole = parse_image(Symbol("steps.meta.outputs.tags", kind="step_output", detail="an output of docker/metadata-action"))
    assert all(isinstance(x, Unknown) for x in (whole.registry, whole.repository, whole.tag))
    assert whole.tag.where == "${{ steps.meta.outputs.tags }}" and "docker/metadata-action" in whole.tag.detail
    unset = Unknown(UNRESOLVED, "$IMAGE", "IMAGE is not set")
    assert parse_image(unset).tag is unset
    half = parse_image(Template((Unknown(UNRESOLVED, "$IMAGE"), ":stage")))
    assert isinstance(half.registry, Unknown) and half.tag == "stage" and half.is_ecr is None


def test_symbols_are_refs_that_refuse_truth():
    sym = Symbol("secrets.X", kind=SECRET)
    assert not is_known(sym)
    assert same_value(sym, Symbol("secrets.X", kind=SECRET)) is True
    assert same_value(sym, "x") is None
    with pytest.raises(TypeError):
        bool(sym)
    assert show(Template((sym, "/a"))) == "${{ secrets.X }}/a"


def test_matches_literal():
    sha = Symbol("github.sha", kind=COMMIT_SHA)
    assert matches_literal("stage", "stage") is True
    assert matches_literal("prod", "stage") is False
    assert matches_literal(sha, "stage") is False
    assert matches_literal(sha, "a" * 40) is None
    assert matches_literal(Template(("stage-", sha)), "stage") is False
    assert matches_literal(Unknown(UNRESOLVED, "$T"), "stage") is None
    assert matches_literal(Template((Unknown(UNRESOLVED, "$T"), "-x")), "stage") is False
    assert matches_literal(None, "stage") is False


def test_permissions_and_arn_names():
    assert Permissions(1, preset="write-all").level("id-token") == "write"
    assert Permissions(1, scopes=(("id-token", "write", 2),)).level("contents") == "none"
    origin = None
    r = Redeploy(origin, "x", "arn:aws:ecs:us-west-2:123456789012:service/incubator-prod/civic-tech-jobs-stage")
    assert (r.service_name, r.cluster_name) == ("civic-tech-jobs-stage", "default")


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("", "empty file"),
        ("name: x\non: [push\n", "invalid YAML at line 3"),
        ("- a\n- b\n", "not a GitHub Actions workflow"),
        ("on: push\njobs: []\n", "not a GitHub Actions workflow"),
        ("on: push\njobs:\n  a: 3\n", "wf.yml:3: job 'a' is not a mapping"),
        ("on: push\njobs:\n  a:\n    steps: x\n", "steps of job 'a' is not a list"),
        ("on: push\njobs:\n  a:\n    steps:\n      - 3\n", "wf.yml:5: step 1 of job 'a' is not a mapping"),
        ("on: push\njobs:\n  a:\n    steps:\n      - name: x\n", "needs exactly one of uses: or run:"),
        ("on: push\njobs:\n  a:\n    steps:\n      - run: x\n        uses: y\n", "needs exactly one of uses: or run:"),
        ("on: push\njobs:\n  a:\n    steps:\n      - run: [docker, push]\n", "wf.yml:5: run: of step 1 of job 'a' is not a string"),
        ("a: 1\n---\nb: 2\n", "invalid YAML"),
        (b"\xff\xfe\x00", "not UTF-16"),
        (b"on: \xff\n", "not UTF-8"),
    ],
)
def test_input_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "wf.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as exc:
        load_workflow(str(path))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("name, message", [("bad.yml", "invalid YAML at line 6 column 5"), ("not-a-workflow.yml", "no 'jobs' mapping")])
def test_fixture_input_errors(name, message):
    with pytest.raises(InputError, match=message):
        load_workflow(str(WORKFLOWS / name))


def test_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_workflow(str(tmp_path))


def test_yaml_error_never_echoes_the_line(tmp_path):
    path = tmp_path / "wf.yml"
    path.write_text('on: push\nenv:\n  PASSWORD: "s3cr3t-value-here\njobs: {}\n')
    with pytest.raises(InputError) as exc:
        load_workflow(str(path))
    assert "s3cr3t" not in str(exc.value)


def test_utf16_with_bom_loads(tmp_path):
    path = tmp_path / "wf.yml"
    path.write_bytes((WORKFLOWS / "legacy.yml").read_text().encode("utf-16"))
    assert summary(load_workflow(str(path))) == FIXTURE_CASES["legacy.yml"]


def test_yaml_is_imported_only_when_a_workflow_is_loaded():
    code = (
        "import sys, ctj_policy.loaders.workflow, ctj_policy.loaders.workflow_run, ctj_policy.workflow_model; "
        "print('yaml' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def test_model_and_lexer_import_only_the_standard_library():
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in ("yaml", "click", "jsonschema", "hcl2", "lark"))
    code = f"import sys; {blocked}; import ctj_policy.workflow_model, ctj_policy.loaders.shell; print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr
