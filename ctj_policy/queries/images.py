"""Container images: which repository and tag an image reference names.  Standard library only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..model import UNRESOLVED, Deployment, EcrRepository, Ref, Template, Unknown, ref_matches

_DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")
_ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class ImageRef:
    """A container image reference, parsed as far as the model allows.

    ``repository`` is the normalized path (Docker Hub official images get
    ``library/``); ``None`` when it cannot be decided.  ``tag``/``digest``
    are strings, ``None`` when absent, or an Unknown when not known.
    ``ecr`` is the EcrRepository in the model the image was built from a
    reference to, when it was.
    """

    raw: Any
    registry: str | None = None
    repository: str | None = None
    tag: Any = None
    digest: Any = None
    ecr: EcrRepository | None = None
    missing: Any = None  # the Unknown/Ref/Template that kept the repository undecided

    @property
    def decided(self) -> bool:
        return self.repository is not None

    @property
    def is_ecr(self) -> bool:
        return self.ecr is not None or bool(self.registry and _ECR_HOST.match(self.registry))


def _split_reference(text: str) -> tuple[str | None, str, str | None, str | None]:
    """``registry/path:tag@digest`` -> (registry, path, tag, digest)."""
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
    registry = None
    first, sep, rest = text.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, text = first, rest
    return registry, text, tag, digest


def normalize_repository(registry: str | None, path: str) -> tuple[str | None, str]:
    """Docker Hub: ``postgres`` == ``library/postgres`` == ``docker.io/library/postgres``."""
    if registry in _DOCKER_HUB:
        registry = None
    if registry is None and path and "/" not in path:  # no repository text: nothing to normalize
        path = "library/" + path
    return registry, path


def parse_image(image: Any, deployment: Deployment | None = None) -> ImageRef:
    """Parse an image value: a known string, or a Template/Ref from an ECR repo."""
    if isinstance(image, str):
        registry, path, tag, digest = _split_reference(image.strip())
        registry, path = normalize_repository(registry, path)
        return ImageRef(raw=image, registry=registry, repository=path or None, tag=tag, digest=digest)
    if isinstance(image, Ref):
        repo = _ecr_repo_for_ref(image, deployment)
        if repo is not None and isinstance(repo.name, str):
            return ImageRef(raw=image, registry="ecr", repository=repo.name, ecr=repo)
        return ImageRef(raw=image, missing=image)
    if isinstance(image, Template):
        parts = image.parts
        if parts and all(isinstance(p, str) for p in parts):
            return parse_image("".join(parts))  # literal text: no reference to resolve
        head = parts[0] if parts else None
        if isinstance(head, Ref):
            repo = _ecr_repo_for_ref(head, deployment)
            if repo is not None and isinstance(repo.name, str):
                tag, digest = _tail_tag(parts[1:])
                return ImageRef(raw=image, registry="ecr", repository=repo.name, tag=tag, digest=digest, ecr=repo)
            return ImageRef(raw=image, missing=head)
        if isinstance(head, str):
            # literal repository text followed by an unknown tag or digest: "postgres:${var.v}",
            # "postgres:18@sha256:${var.d}" (the text ends in a ":tag" or holds an "@": it names the repository)
            registry, path, literal_tag, literal_digest = _split_reference(head)
            if path and (literal_tag is not None or literal_digest is not None):
                registry, path = normalize_repository(registry, path)
                rest = next(p for p in parts[1:] if not isinstance(p, str))  # the head is text, so a later part is not
                tag, digest = (literal_tag, rest) if literal_digest is not None else (rest, None)
                return ImageRef(raw=image, registry=registry, repository=path, tag=tag, digest=digest)
        first = next((p for p in parts if not isinstance(p, str)), None)
        return ImageRef(raw=image, missing=first)
    return ImageRef(raw=image, missing=image if isinstance(image, Unknown) else Unknown(UNRESOLVED, "image"))


def _tail_tag(parts: Iterable) -> tuple[Any, Any]:
    """The ``:tag``/``@digest`` after an ECR repository_url reference."""
    parts = tuple(parts)
    if not parts:
        return None, None
    if not all(isinstance(p, str) for p in parts):
        first = next(p for p in parts if not isinstance(p, str))
        return first, None
    text = "".join(parts)
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = text[1:] if text.startswith(":") else None
    return tag, digest


def _ecr_repo_for_ref(ref: Ref, deployment: Deployment | None) -> EcrRepository | None:
    if deployment is None:
        return None
    for repo in deployment.ecr_repositories:
        if ref_matches(ref, repo.address) and ref.attribute in ("repository_url", ""):
            return repo
        if isinstance(repo.repository_url, Ref) and ref_matches(ref, repo.repository_url.address, repo.repository_url.attribute):
            return repo
    return None


def is_official_postgres(img: ImageRef, config: Config) -> bool:
    if not img.decided:
        return False
    for name in config.postgres_images:
        registry, path, _, _ = _split_reference(name)
        if normalize_repository(registry, path) == (img.registry, img.repository):
            return True
    return False



def image_is_from(img: ImageRef, repo_name: str) -> bool:
    """Is the image from a repository called ``repo_name`` (any registry)?"""
    return img.decided and img.repository == repo_name


def tag_major(tag: Any) -> int | None:
    """``18`` / ``18.1`` / ``18.1-bookworm`` / ``18-alpine`` -> 18; else None."""
    if not isinstance(tag, str):
        return None
    m = re.match(r"^(\d+)(?:\.\d+){0,2}(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?$", tag)
    return int(m.group(1)) if m else None
