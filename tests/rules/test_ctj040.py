"""CTJ040: images pushed where the task pulls (a workflow written inline, against the test model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import Ref, TaskDefinition, Template
from ctj_policy.rules import get_rule

from .builders import CONFIG, REGISTRY, SCOPE, TASK, after_apply, edit, no_role, no_task, stage1, unknown_containers
from .workflows import ECR, IMAGES_JOB, at, attach, good, legacy_model, model, on_cluster, run_case, without_workflow

RULE = "CTJ040"
SHA = "${{ github.sha }}"
IMAGES = "'deploy/images'"
PUSHES_BOTH = (f"{IMAGES} pushes 'civic-tech-jobs-backend:stage', which the backend 'django' pulls; "
               f"{IMAGES} pushes 'civic-tech-jobs-frontend:stage', which the frontend 'nextjs' pulls")
PASS = ("pass", f"every ECR repository the workflow pushes to is in scope (civic-tech-jobs-backend, civic-tech-jobs-frontend); {PUSHES_BOTH}", at(19))
FRONTEND_IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage"
NOT_PUSHED = ("fail", f"no workflow pushes 'civic-tech-jobs-frontend:stage', which the frontend 'nextjs' of {TASK} pulls ('{FRONTEND_IMAGE}')", at(4))
WHOLE_VAR = "${{ vars.FRONTEND_IMAGE }} is unresolved reference (the whole image reference is a run-time value)"


OTHER_REPO = "module.civic-tech-jobs.module.civic_tech_jobs_ecr_frontend.aws_ecr_repository.other"


def unknown_repository(dep):
    """A second ECR repository whose name is known only after apply."""
    dep.ecr_repositories.append(replace(dep.ecr_repositories[0], address=OTHER_REPO, name=after_apply(f"{OTHER_REPO}.name")))
    return dep

WORKER = f"{SCOPE}.aws_ecs_task_definition.worker"
FRONTEND_V2 = ("fail", f"the workflow pushes 'civic-tech-jobs-frontend' only as :stage ({IMAGES}), but the frontend 'nextjs' pulls ':v2': the redeploy would start the old image", at(21))


def frontend_v2(dep):
    return edit(dep, "nextjs", image=f"{REGISTRY}/civic-tech-jobs-frontend:v2")


def second_task(dep):
    """A second task definition with no container: the CTJ task is the one whose containers have the roles."""
    dep.task_definitions.insert(0, TaskDefinition(WORKER, family="ctj-worker", containers=()))
    return dep


def case(name, changes, expected, build=None):
    return pytest.param(changes, build, expected, id=name)


CASES = [
    case("stage1", {}, [PASS]),
    case("symbolic task images (ECR repository references)", {}, [PASS], lambda: on_cluster(stage1(True))),
    case("a literal ECR registry", {"frontend": FRONTEND_IMAGE}, [PASS]),
    case("an extra push outside ECR is not the task's", {"extra": "\n          docker push ghcr.io/hackforla/civic-tech-jobs-frontend:stage"}, [PASS]),
    case("commit-SHA tags while the task pulls :stage",
         {"backend": f"{ECR}/civic-tech-jobs-backend:{SHA}", "frontend": f"{ECR}/civic-tech-jobs-frontend:{SHA}"}, [
             ("fail", f"the workflow pushes 'civic-tech-jobs-backend' only as :{SHA} ({IMAGES}), but the backend 'django' pulls ':stage': the redeploy would start the old image", at(19)),
             ("fail", f"the workflow pushes 'civic-tech-jobs-frontend' only as :{SHA} ({IMAGES}), but the frontend 'nextjs' pulls ':stage': the redeploy would start the old image", at(21)),
         ]),
    case("a push to the legacy repository the plan lacks", {"extra": f"\n          docker push {ECR}/civic-tech-jobs-fullstack:stage"}, [
        ("fail", f"{IMAGES} pushes to the legacy repository 'civic-tech-jobs-fullstack', which the plan does not have: Stage 1 pushes 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend'", at(22)),
    ]),
    case("the frontend pushed to a repository the plan lacks", {"frontend": f"{ECR}/civic-tech-jobs-web:stage"}, [
        ("fail", f"{IMAGES} pushes to ECR repository 'civic-tech-jobs-web', which is not in scope module.civic-tech-jobs: the push fails until the Terraform creates it", at(21)),
        NOT_PUSHED,
    ]),
    case("a tag from a workflow input is unknown", {"frontend": f"{ECR}/civic-tech-jobs-frontend:${{{{ inputs.tag }}}}"}, [
        ("unknown", f"{IMAGES} pushes 'civic-tech-jobs-frontend' as {ECR}/civic-tech-jobs-frontend:${{{{ inputs.tag }}}}; cannot tell whether that is the ':stage' the frontend 'nextjs' pulls: the tag ${{{{ inputs.tag }}}} is known only when the workflow runs", at(21)),
    ]),
    case("an image reference from a variable is unknown", {"frontend": "${{ vars.FRONTEND_IMAGE }}"}, [
        ("unknown", f"cannot tell which ECR repository {IMAGES} pushes ${{{{ vars.FRONTEND_IMAGE }}}} to: {WHOLE_VAR}", at(21)),
        ("unknown", f"no push names 'civic-tech-jobs-frontend' (which the frontend 'nextjs' pulls), but {IMAGES} pushes ${{{{ vars.FRONTEND_IMAGE }}}}: {WHOLE_VAR}", at(21)),
    ]),
    case("a script the loader does not read may push the frontend (the wrong push still fails)",
         {"frontend": f"{ECR}/civic-tech-jobs-web:stage", "extra": "\n          ./scripts/push-frontend.sh"}, [
             ("fail", f"{IMAGES} pushes to ECR repository 'civic-tech-jobs-web', which is not in scope module.civic-tech-jobs: the push fails until the Terraform creates it", at(21)),
             ("unknown", "no push the loader read sends 'civic-tech-jobs-frontend:stage' (the frontend 'nextjs' pulls it), but a step is not read: the script ./scripts/push-frontend.sh is not read ('deploy/images', line 22)", at(22)),
         ]),
    case("container definitions unknown", {}, [
        ("unknown", f"cannot tell which images task {TASK} pulls: {TASK}.container_definitions is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources", at(4)),
    ], lambda: unknown_containers(model())),
    case("no task", {}, [("fail", "no CTJ task definition in scope (see CTJ001): no image the workflow pushes is pulled by a CTJ task", at(4))], lambda: no_task(model())),
    case("the task pulls the frontend by digest", {}, [
        ("unknown", "the frontend 'nextjs' pulls 'civic-tech-jobs-frontend' by digest: which push produced it is not known before the push", at(4)),
    ], lambda: edit(model(), "nextjs", image="123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend@sha256:" + "a" * 64)),
    case("the legacy workflow against the legacy model",
         {"backend": f"{ECR}/civic-tech-jobs-fullstack:stage", "frontend": f"{ECR}/civic-tech-jobs-fullstack:stage"}, [
             ("pass", f"every ECR repository the workflow pushes to is in scope (civic-tech-jobs-fullstack); {IMAGES} pushes 'civic-tech-jobs-fullstack:stage', which the backend 'civic-tech-jobs-fs-stage' pulls", at(19)),
         ], legacy_model),
    # mutation testing (issue 14): the per-container branches of the task's images
    case("the frontend image known only after apply", {}, [
        ("unknown", f"cannot tell which repository the frontend 'nextjs' pulls from: {TASK}.container_definitions.nextjs.image is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources", at(4)),
    ], lambda: edit(model(), "nextjs", image=after_apply(f"{TASK}.container_definitions.nextjs.image"))),
    case("the frontend tag from a variable", {}, [
        ("unknown", "cannot tell which tag of 'civic-tech-jobs-frontend' the frontend 'nextjs' pulls: var.frontend_tag is known only after apply", at(4)),
    ], lambda: edit(model(), "nextjs", image=Template((f"{REGISTRY}/civic-tech-jobs-frontend:", Ref("var.frontend_tag"))))),
    case("untagged pull and push are both :latest", {"frontend": f"{ECR}/civic-tech-jobs-frontend"}, [
        ("pass", "every ECR repository the workflow pushes to is in scope (civic-tech-jobs-backend, civic-tech-jobs-frontend); "
                 f"{IMAGES} pushes 'civic-tech-jobs-backend:stage', which the backend 'django' pulls; {IMAGES} pushes 'civic-tech-jobs-frontend:latest', which the frontend 'nextjs' pulls", at(19)),
    ], lambda: edit(model(), "nextjs", image=f"{REGISTRY}/civic-tech-jobs-frontend")),
    case("an untagged pull is :latest, not the :stage pushed", {}, [
        ("fail", f"the workflow pushes 'civic-tech-jobs-frontend' only as :stage ({IMAGES}), but the frontend 'nextjs' pulls ':latest': the redeploy would start the old image", at(21)),
    ], lambda: edit(model(), "nextjs", image=f"{REGISTRY}/civic-tech-jobs-frontend")),
    case("an ECR container of no role is named a container", {}, [
        ("fail", f"no workflow pushes 'civic-tech-jobs-worker:stage', which the container 'worker' of {TASK} pulls ('{REGISTRY}/civic-tech-jobs-worker:stage')", at(4)),
    ], lambda: no_role("nextjs", "worker", f"{REGISTRY}/civic-tech-jobs-worker:stage")(model())),
    case("a push to a repository while another repository's name is unknown", {"extra": f"\n          docker push {ECR}/civic-tech-jobs-web:stage"}, [
        ("unknown", f"{IMAGES} pushes to ECR repository 'civic-tech-jobs-web'; cannot tell whether the plan has it: the name of {OTHER_REPO} is not evaluated (it may be that repository)", at(22)),
    ], lambda: unknown_repository(model())),
    case("a push to a registry from a variable is unknown", {"extra": "\n          docker push ${{ vars.REGISTRY }}/civic-tech-jobs-frontend:stage"}, [
        ("unknown", f"cannot tell which ECR repository {IMAGES} pushes ${{{{ vars.REGISTRY }}}}/civic-tech-jobs-frontend:stage to: ${{{{ vars.REGISTRY }}}} is a run-time value", at(22)),
    ]),
    case("an untagged push is :latest, not the :stage pulled", {"frontend": f"{ECR}/civic-tech-jobs-frontend"}, [
        ("fail", f"the workflow pushes 'civic-tech-jobs-frontend' only as :latest ({IMAGES}), but the frontend 'nextjs' pulls ':stage': the redeploy would start the old image", at(21)),
    ]),
    # mutation testing (issue 14): a container judged before another does not stop the others being judged
    case("the backend image unknown, the frontend still judged", {}, [
        ("unknown", f"cannot tell which repository the backend 'django' pulls from: {TASK}.container_definitions.django.image is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources", at(4)),
        FRONTEND_V2,
    ], lambda: frontend_v2(edit(model(), "django", image=after_apply(f"{TASK}.container_definitions.django.image")))),
    case("a public backend image is not the workflow's, the frontend still judged", {}, [FRONTEND_V2],
         lambda: frontend_v2(edit(model(), "django", image="python:3.12"))),
    case("the backend pulled by digest, the frontend still judged", {}, [
        ("unknown", "the backend 'django' pulls 'civic-tech-jobs-backend' by digest: which push produced it is not known before the push", at(4)),
        FRONTEND_V2,
    ], lambda: frontend_v2(edit(model(), "django", image=f"{REGISTRY}/civic-tech-jobs-backend@sha256:" + "b" * 64))),
    case("the backend tag from a variable, the frontend still judged", {}, [
        ("unknown", "cannot tell which tag of 'civic-tech-jobs-backend' the backend 'django' pulls: var.backend_tag is known only after apply", at(4)),
        FRONTEND_V2,
    ], lambda: frontend_v2(edit(model(), "django", image=Template((f"{REGISTRY}/civic-tech-jobs-backend:", Ref("var.backend_tag")))))),
    case("two task definitions: the CTJ task is the one with the roles", {}, [PASS], lambda: second_task(model())),
    case("no ECR image pulled, none pushed: the pass names no repository",
         {"backend": "ghcr.io/hackforla/civic-tech-jobs-backend:stage", "frontend": "ghcr.io/hackforla/civic-tech-jobs-frontend:stage"}, [
             ("pass", "every ECR repository the workflow pushes to is in scope (none)", at(4), "workflow:deploy"),
         ], lambda: edit(edit(model(), "django", image="python:3.12"), "nextjs", image="node:22")),
    case("a repository named like the legacy one is legacy", {"extra": f"\n          docker push {ECR}/civic-tech-jobs-fullstack-v2:stage"}, [
        ("fail", f"{IMAGES} pushes to the legacy repository 'civic-tech-jobs-fullstack-v2', which the plan does not have: Stage 1 pushes 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend'", at(22)),
    ]),
    case("a push to ECR whose repository is a run-time value", {"extra": f"\n          docker push {ECR}/${{{{ vars.REPOSITORY }}}}:stage"}, [
        ("unknown", f"cannot tell which ECR repository {IMAGES} pushes {ECR}/${{{{ vars.REPOSITORY }}}}:stage to: ${{{{ vars.REPOSITORY }}}} is a run-time value", at(22)),
    ]),
    case("a push outside the plan with no module scope", {"extra": f"\n          docker push {ECR}/civic-tech-jobs-web:stage"}, [
        ("fail", f"{IMAGES} pushes to ECR repository 'civic-tech-jobs-web', which is not in scope (whole input): the push fails until the Terraform creates it", at(22)),
    ], lambda: replace(model(), scope=None)),
]


@pytest.mark.parametrize(("changes", "build", "expected"), CASES)
def test_workflow(changes, build, expected, tmp_path):
    run_case(RULE, tmp_path, good(**changes), build, expected)


BUILD_PUSH = IMAGES_JOB + """\
      - id: backend
        uses: docker/build-push-action@v6
        with:
          push: true
          file: stage/backend.Dockerfile
          tags: ${{ steps.login.outputs.registry }}/civic-tech-jobs-backend:stage
      - id: frontend
        uses: docker/build-push-action@v6
        with:
          push: true
          file: stage/frontend.Dockerfile
          tags: |
            ${{ steps.login.outputs.registry }}/civic-tech-jobs-frontend:v1
            ${{ steps.login.outputs.registry }}/civic-tech-jobs-frontend:stage
"""
LOGIN = "${{ steps.login.outputs.registry }}"
RUNS_ON_MAIN = "${{ github.ref == 'refs/heads/main' }}"


def FRONTEND_ONLY(tag, push="true"):
    """BUILD_PUSH with the frontend step pushing only ``tag`` (line 21) when ``push``."""
    head = BUILD_PUSH.split("            ${{ steps.login.outputs.registry }}/civic-tech-jobs-frontend:v1")[0]
    head = head.replace("push: true\n          file: stage/frontend", f"push: {push}\n          file: stage/frontend")
    return f"{head}            {tag}\n"


BUILD_PUSH_CASES = [
    pytest.param(BUILD_PUSH, [
        ("pass", "every ECR repository the workflow pushes to is in scope (civic-tech-jobs-backend, civic-tech-jobs-frontend); "
                 "'images/backend' pushes 'civic-tech-jobs-backend:stage', which the backend 'django' pulls; "
                 "'images/frontend' pushes 'civic-tech-jobs-frontend:stage', which the frontend 'nextjs' pulls", at(14), "container:django"),
    ], id="build-push-action: the pass is at the pushed tag's line"),
    pytest.param(BUILD_PUSH.replace("frontend:stage", "frontend:v2"), [
        ("fail", "the workflow pushes 'civic-tech-jobs-frontend' only as :v1, :v2 ('images/frontend'), but the frontend 'nextjs' pulls ':stage': the redeploy would start the old image", at(21), "container:nextjs"),
    ], id="build-push-action: a wrong tag is located at its own line, not the step's"),
    # mutation testing (issue 14): each finding about a push is at the pushed tag's line (21), not the step's (15)
    pytest.param(BUILD_PUSH.replace(f"{LOGIN}/civic-tech-jobs-frontend:v1", "${{ vars.REGISTRY }}/civic-tech-jobs-frontend:v1"), [
        ("unknown", "cannot tell which ECR repository 'images/frontend' pushes ${{ vars.REGISTRY }}/civic-tech-jobs-frontend:v1 to: ${{ vars.REGISTRY }} is a run-time value", at(21), "workflow:images/frontend"),
    ], id="build-push-action: a registry from a variable, at its tag's line"),
    pytest.param(BUILD_PUSH.replace("frontend:v1", "fullstack:stage"), [
        ("fail", "'images/frontend' pushes to the legacy repository 'civic-tech-jobs-fullstack', which the plan does not have: Stage 1 pushes 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend'", at(21), "workflow:images/frontend"),
    ], id="build-push-action: a push to the legacy repository, at its tag's line"),
    pytest.param(BUILD_PUSH.replace("frontend:v1", "web:stage"), [
        ("fail", "'images/frontend' pushes to ECR repository 'civic-tech-jobs-web', which is not in scope module.civic-tech-jobs: the push fails until the Terraform creates it", at(21), "workflow:images/frontend"),
    ], id="build-push-action: a push to a repository the plan lacks, at its tag's line"),
    pytest.param(FRONTEND_ONLY(f"{LOGIN}/civic-tech-jobs-web:stage", push=RUNS_ON_MAIN), [
        ("unknown", "'images/frontend' pushes to ECR repository 'civic-tech-jobs-web' (if it runs: an expression decides whether it does), which is not in scope module.civic-tech-jobs: the push fails until the Terraform creates it", at(21), "workflow:images/frontend"),
        ("fail", f"no workflow pushes 'civic-tech-jobs-frontend:stage', which the frontend 'nextjs' of {TASK} pulls ('{FRONTEND_IMAGE}')", at(4), "container:nextjs"),
    ], id="build-push-action: a conditional push to a repository the plan lacks is unknown"),
    pytest.param(FRONTEND_ONLY(f"{LOGIN}/civic-tech-jobs-fullstack:stage", push=RUNS_ON_MAIN), [
        ("unknown", "'images/frontend' pushes to the legacy repository 'civic-tech-jobs-fullstack' (if it runs: an expression decides whether it does), which the plan does not have: Stage 1 pushes 'civic-tech-jobs-frontend' and 'civic-tech-jobs-backend'", at(21), "workflow:images/frontend"),
        ("fail", f"no workflow pushes 'civic-tech-jobs-frontend:stage', which the frontend 'nextjs' of {TASK} pulls ('{FRONTEND_IMAGE}')", at(4), "container:nextjs"),
    ], id="build-push-action: a conditional push to the legacy repository is unknown"),
    pytest.param(FRONTEND_ONLY(f"{LOGIN}/civic-tech-jobs-frontend:stage", push=RUNS_ON_MAIN), [
        ("unknown", f"'images/frontend' pushes 'civic-tech-jobs-frontend' as {LOGIN}/civic-tech-jobs-frontend:stage; cannot tell whether that is the ':stage' the frontend 'nextjs' pulls: an expression decides whether it runs", at(21), "container:nextjs"),
    ], id="build-push-action: a conditional push of the pulled tag is unknown"),
    pytest.param(FRONTEND_ONLY("${{ vars.FRONTEND_IMAGE }}"), [
        ("unknown", f"cannot tell which ECR repository 'images/frontend' pushes ${{{{ vars.FRONTEND_IMAGE }}}} to: {WHOLE_VAR}", at(21), "workflow:images/frontend"),
        ("unknown", f"no push names 'civic-tech-jobs-frontend' (which the frontend 'nextjs' pulls), but 'images/frontend' pushes ${{{{ vars.FRONTEND_IMAGE }}}}: {WHOLE_VAR}", at(21), "container:nextjs"),
    ], id="build-push-action: an image from a variable, at its tag's line"),
]


@pytest.mark.parametrize(("text", "expected"), BUILD_PUSH_CASES)
def test_build_push_action_tags_on_their_own_lines(text, expected, tmp_path):
    run_case(RULE, tmp_path, text, None, expected)


def test_build_push_action_a_push_while_a_repository_name_is_unknown_is_at_its_tag(tmp_path):
    run_case(RULE, tmp_path, BUILD_PUSH.replace("frontend:v1", "web:stage"), lambda: unknown_repository(model()), [
        ("unknown", f"'images/frontend' pushes to ECR repository 'civic-tech-jobs-web'; cannot tell whether the plan has it: the name of {OTHER_REPO} is not evaluated (it may be that repository)", at(21), "workflow:images/frontend"),
    ])


def _digest(dep):
    return edit(dep, "nextjs", image=f"{REGISTRY}/civic-tech-jobs-frontend@sha256:" + "a" * 64)


NEXTJS = ("container", "nextjs")
# (status, address, (subject kind, subject name)) of each finding: which resource and which container it is about
ABOUT = [
    pytest.param(no_task, [("fail", None, ("task", ""))], id="no task"),
    pytest.param(unknown_containers, [("unknown", TASK, ("workflow", "deploy"))], id="container definitions unknown"),
    pytest.param(lambda d: edit(d, "nextjs", image=after_apply("x.image")), [("unknown", TASK, NEXTJS)], id="image unknown"),
    pytest.param(_digest, [("unknown", TASK, NEXTJS)], id="pulled by digest"),
    pytest.param(lambda d: edit(d, "nextjs", image=Template((f"{REGISTRY}/civic-tech-jobs-frontend:", Ref("var.t")))), [("unknown", TASK, NEXTJS)], id="tag unknown"),
    pytest.param(lambda d: edit(d, "nextjs", image=f"{REGISTRY}/civic-tech-jobs-frontend:v2"), [("fail", TASK, NEXTJS)], id="another tag pushed"),
    pytest.param(lambda d: d, [("pass", TASK, ("container", "django"))], id="stage1"),
]


@pytest.mark.parametrize(("build", "expected"), ABOUT)
def test_findings_name_the_task_and_the_container(build, expected, tmp_path):
    dep = attach(good(), tmp_path, build(model()))
    got = [(f.status, f.address, (f.subject.kind, f.subject.name)) for f in get_rule(RULE).check(dep, CONFIG)]
    assert got == expected


# (status, address, (subject kind, subject name)) of each finding about the task's images, for a workflow that
# pushes it conditionally, by a variable, in an unread script, or not at all
ABOUT_PUSHES = [
    pytest.param(FRONTEND_ONLY(f"{LOGIN}/civic-tech-jobs-frontend:stage", push=RUNS_ON_MAIN), [("unknown", TASK, NEXTJS)], id="a conditional push"),
    pytest.param(FRONTEND_ONLY("${{ vars.FRONTEND_IMAGE }}"), [("unknown", None, ("workflow", "images/frontend")), ("unknown", TASK, NEXTJS)], id="an image from a variable"),
    pytest.param(good(frontend=f"{ECR}/civic-tech-jobs-web:stage", extra="\n          ./scripts/push-frontend.sh"),
                 [("fail", None, ("workflow", "deploy/images")), ("unknown", TASK, NEXTJS)], id="an unread script"),
    pytest.param(good(frontend=f"{ECR}/civic-tech-jobs-web:stage"), [("fail", None, ("workflow", "deploy/images")), ("fail", TASK, NEXTJS)], id="not pushed"),
]


@pytest.mark.parametrize(("text", "expected"), ABOUT_PUSHES)
def test_findings_about_pushes_name_the_task_and_the_container(text, expected, tmp_path):
    dep = attach(text, tmp_path, model())
    got = [(f.status, f.address, (f.subject.kind, f.subject.name)) for f in get_rule(RULE).check(dep, CONFIG)]
    assert got == expected


def test_without_a_workflow_the_rule_says_it_has_none():
    """The engine does not run a lockstep rule without a workflow; called anyway, it says why it cannot judge."""
    assert without_workflow(RULE) == [("unknown", f"no deploy workflow given: {RULE} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)", "workflow")]
