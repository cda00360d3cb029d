"""What the lockstep rules (CTJ040, CTJ041) and the diagram both ask of a deploy workflow and the model.

Which push sends which repository and tag, whether a push's tag can be the one a
container pulls, and which cluster a service runs on: asked here once, so the
diagram's edges and mismatch marks agree with the rules.  Standard library only.
"""

from __future__ import annotations

from typing import Any

from ..model import Service
from ..workflow_model import ImagePush, ImageRef, matches_literal


def repository(image: ImageRef) -> str | None:
    """The repository an image reference of the workflow names, when the workflow states it."""
    return image.repository if isinstance(image.repository, str) else None


def pushed_tag(push: ImagePush) -> Any:
    """The tag a push sends (Docker's ``latest`` when it names none)."""
    return push.image.tag if push.image.tag is not None else "latest"


def pushes_to(pushes: list[ImagePush], repo: str) -> list[ImagePush]:
    """The pushes that send ``repo`` (an ECR repository name) to a registry that may be ECR."""
    return [p for p in pushes if repository(p.image) == repo and p.image.is_ecr is not False]


def tag_matches(push: ImagePush, tag: str) -> bool | None:
    """Can the push's tag be ``tag``?  None when it depends on the run (``matches_literal``)."""
    return matches_literal(pushed_tag(push), tag)


def arn_tail(value: Any, kind: str) -> Any:
    """``arn:aws:ecs:...:cluster/incubator-prod`` -> ``incubator-prod``; a name as is; symbolic values as they are."""
    if isinstance(value, str) and value.startswith("arn:") and f":{kind}/" in value:
        return value.rsplit("/", 1)[1]
    return value


def service_cluster(service: Service) -> Any:
    """The name of the cluster the service runs on: ``default`` when not set."""
    return "default" if service.cluster is None else arn_tail(service.cluster, "cluster")


__all__ = ["arn_tail", "pushed_tag", "pushes_to", "repository", "service_cluster", "tag_matches"]
