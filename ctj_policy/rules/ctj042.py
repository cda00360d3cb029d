"""CTJ042: the frontend image build passes each NEXT_PUBLIC_* as a build argument."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, Unknown
from ..queries import FRONTEND, containers_unknown, ctj_task, parse_image, role_container
from ..workflow_model import ImageBuild, show
from .base import CTJ_TASK, Rule
from .lockstep import IMAGE_GAPS, anchor, at, describe_gaps, gaps, no_workflow, problems_or_pass, where, whole


def frontend_repositories(deployment: Deployment, config: Config) -> set[str]:
    """The frontend image's repositories: the configured one, and the one the task's frontend container pulls."""
    repos = {config.frontend_repository}
    task = ctj_task(deployment, config)
    if task is not None and containers_unknown(task) is None:
        c = role_container(task, FRONTEND, deployment, config)
        if c is not None and not isinstance(c, Unknown):
            img = parse_image(c.image, deployment)
            if img.decided and img.is_ecr:
                repos.add(img.repository)
    return repos


def _is_frontend(build: ImageBuild, repos: set[str]) -> bool | None:
    """Does the build tag a frontend repository?  None when a tag's repository is not known."""
    names = [t.repository for t in build.tags]
    if any(isinstance(n, str) and n in repos for n in names):
        return True
    if not names or any(not isinstance(n, str) for n in names):
        return None
    return False


def _judge(build: ImageBuild, names: tuple[str, ...], maybe: bool) -> list[Finding]:
    """The build's verdict for each configured NEXT_PUBLIC_* name (``maybe``: it may not be the frontend build)."""
    out = []
    origin = build.origin
    which = f"the image build {where(origin)} (its repository is known only at run time: it may be the frontend's)" if maybe else f"the frontend image build {where(origin)}"
    for name in names:
        arg = build.build_arg(name)
        if arg is not None and not (arg.from_env and arg.value is None):
            if not maybe:
                out.append(at(PASS, f"{which} passes {name} as a build argument", origin, arg.line))
            continue
        status = UNKNOWN if maybe else FAIL
        if arg is not None:  # --build-arg NAME, and the environment does not set it
            out.append(at(status, f"{which} names --build-arg {name} without a value, and the step's environment does not set it: the build never sees it", origin, arg.line))
        elif build.unresolved_args:
            out.append(at(UNKNOWN, f"{which} does not visibly pass {name}, but some of its arguments are not known ({show(build.unresolved_args[0])}) and may pass it", origin))
        else:
            env = f"; it is only in the step's env, which {build.tool} does not hand to the build" if name in build.env else ""
            out.append(at(status, f"{which} does not pass {name} as a build argument{env}: Next.js inlines it at npm run build, so the bundle lacks it", origin))
    return out


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    workflows = deployment.workflows
    if not workflows:
        yield no_workflow("CTJ042")
        return
    names = tuple(config.next_public_build_args)
    repos = frontend_repositories(deployment, config)
    builds = [b for wf in workflows for b in wf.builds]
    frontend = [b for b in builds if _is_frontend(b, repos) is True]
    maybe = [b for b in builds if _is_frontend(b, repos) is None]
    if not names:
        yield at(PASS, "no NEXT_PUBLIC_* build argument is configured (next-public-build-args is empty)", anchor(workflows), subject=whole(workflows))
        return
    findings = [f for b in frontend for f in _judge(b, names, False)] + [f for b in maybe for f in _judge(b, names, True)]
    if not frontend and not any(f.status == UNKNOWN for f in findings):  # a build that may be the frontend's says so
        unread = gaps(workflows, IMAGE_GAPS)
        wanted = ", ".join(sorted(repos))
        if maybe or unread:
            reason = describe_gaps(unread) if unread and not maybe else where(maybe[0].origin)
            findings.append(at(UNKNOWN, f"no build the loader read tags the frontend image ({wanted}), but {reason} may build it", (maybe[0].origin if maybe else unread[0].origin)))
        else:
            findings.append(at(FAIL, f"the workflow builds no frontend image ({wanted}), so {', '.join(names)} is never passed at build time", anchor(workflows), subject=whole(workflows)))
    passes = [f for f in findings if f.status == PASS]
    if not passes:  # findings is never empty (a verdict per name and frontend build, else one about the absence)
        yield from findings
        return
    first = passes[0]
    message = first.message if len(passes) == 1 else f"the frontend image build passes {', '.join(names)} as build argument(s) ({len(frontend)} build(s))"
    yield from problems_or_pass(findings, Finding(PASS, message, None, first.location, first.subject))


BAD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - env:
          NEXT_PUBLIC_API_URL: https://stage.civictechjobs.org  # the build never sees it
        run: docker build -f stage/frontend.Dockerfile -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-frontend:stage .
"""

GOOD = """\
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - run: |
          docker build -f stage/frontend.Dockerfile \\
            --build-arg NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org \\
            -t ${{ steps.ecr.outputs.registry }}/civic-tech-jobs-frontend:stage .
"""


RULE = Rule(
    id="CTJ042",
    title="NEXT_PUBLIC_* at build time",
    severity=ERROR,
    summary="the deploy workflow's frontend image build passes each configured `NEXT_PUBLIC_*` (default `NEXT_PUBLIC_API_URL`) as a build argument (`--build-arg`, or `build-args:` of docker/build-push-action)",
    rationale=(
        "NEXT_PUBLIC_* values are build-time (docs/decision.md#runtime-variables): Next.js inlines them into the "
        "JavaScript bundle during npm run build, so NEXT_PUBLIC_API_URL must reach the frontend image build as a "
        "--build-arg. Setting it in the build step's env does not count: the docker CLI does not hand its own "
        "environment to the build (only `--build-arg NAME` without a value reads it from there). The frontend build "
        "is the one that tags the frontend repository (civic-tech-jobs-frontend, or the repository the task's "
        "frontend container pulls); a build whose tags are computed at run time is unknown."
    ),
    remediation=(
        "Pass each NEXT_PUBLIC_* value to the frontend image build: docker build --build-arg "
        "NEXT_PUBLIC_API_URL=https://stage.civictechjobs.org ..., or `build-args: NEXT_PUBLIC_API_URL=...` of "
        "docker/build-push-action, and declare it with ARG in the frontend Dockerfile."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    needs_workflow=True,
    applies_to=CTJ_TASK,  # judged against THE CTJ task's containers: an unread module may hold it
)
