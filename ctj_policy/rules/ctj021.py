"""CTJ021: the database runs the upstream Postgres image, pinned to the major."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Unknown, describe
from ..queries import DATABASE, explain_unknown, is_official_postgres, parse_image, tag_major
from .base import CTJ_TASK, TASK, Rule
from .common import cname, failed, passed, role_scope, undecided


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    major = config.postgres_major
    scope = role_scope(deployment, config, DATABASE, f"the database image must be postgres:{major}")
    if scope.finding is not None:
        yield scope.finding
        return
    task, c = scope.task, scope.container
    assert task is not None and c is not None

    img = parse_image(c.image, deployment)
    if not img.decided:
        missing = img.missing
        yield undecided(f"image of database container {cname(c)} is not known: {explain_unknown(missing)}", task, container=c)
        return
    if not is_official_postgres(img, config):
        yield failed(f"database container {cname(c)} image {describe(c.image, quote=True)} is not the official postgres repository ({', '.join(config.postgres_images)})", task, container=c)
        return
    tag = img.tag
    if isinstance(tag, (Unknown,)) or (tag is not None and not isinstance(tag, str)):
        yield undecided(f"tag of database image {describe(c.image, quote=True)} is not known: {explain_unknown(tag)}", task, container=c)
        return
    if not tag:
        if img.digest is not None:
            yield failed(f"database image {describe(c.image, quote=True)} is pinned by digest only, so its major cannot be checked; add the tag (postgres:{major}@sha256:...)", task, container=c)
        else:
            yield failed(f"database image {describe(c.image, quote=True)} has no tag (that is 'latest'); pin postgres:{major}", task, container=c)
        return
    found = tag_major(tag)
    if found is None:
        yield failed(f"database image tag '{tag}' is not a pinned version (floating or pre-release); pin postgres:{major}", task, container=c)
    elif found != major:
        yield failed(f"database image tag '{tag}' is Postgres {found}, not the decided major {major}", task, container=c)
    else:
        yield passed(f"database container {cname(c)} runs the official postgres image pinned to '{tag}' (major {major})", task, container=c)


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "postgres", image = "postgres:latest" },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    { name = "postgres", image = "postgres:18.1" },
  ])
}
"""


RULE = Rule(
    id="CTJ021",
    title="upstream Postgres image",
    severity=ERROR,
    summary="official postgres image pinned to the configured major (18)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#images-and-repositories) adds a Postgres container using the "
        "upstream postgres:18 image, with no ECR repository of its own. A tag of that major (18, 18.1, "
        "18.1-bookworm, 18-alpine) keeps the data directory format stable; 'latest', no tag or another major "
        "(a new major cannot open an old data directory) fails. A digest without a tag pins an image but hides its "
        "major, so it fails too: write postgres:18.1@sha256:... to keep both."
    ),
    remediation='Set the database container\'s image to "postgres:18" (or a more specific 18.x tag, optionally with @sha256:<digest>).',
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_021",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("database",),
)
