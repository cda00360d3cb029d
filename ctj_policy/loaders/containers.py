"""``container_definitions`` -> model Containers.  Standard library only.

Shared by every loader: the plan loader hands over the JSON string the
provider normalized (sorted keys, containers sorted by name; provider 5.59.0
emitted PascalCase keys), the HCL loader the evaluated ``jsonencode`` argument
(which may hold Ref/Template/Unknown values), Checkov the decoded list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import (
    NOT_EVALUATED,
    UNRESOLVED,
    Container,
    Dependency,
    EnvVar,
    MountPoint,
    PortMapping,
    Ref,
    SecretVar,
    Template,
    Unknown,
)


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:] if key[:1].isupper() else key


def _norm(obj: Any) -> Any:
    """Lower the first letter of a dict's keys (PascalCase -> camelCase), one level."""
    if isinstance(obj, dict):
        return {_camel(k) if isinstance(k, str) else k: v for k, v in obj.items()}
    return obj


def _items(value: Any, where: str) -> Any:
    """A list field: a tuple of dicts, () when unset, or an Unknown."""
    if value is None:
        return ()
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (Ref, Template)):
        return Unknown(UNRESOLVED, where, f"{value.describe()} is known only after apply")
    if isinstance(value, dict):  # a single object where a list belongs
        value = [value]
    if not isinstance(value, (list, tuple)):
        return Unknown(UNRESOLVED, where, "expected a list")
    return tuple(_norm(v) for v in value)


def _is_sensitive(value: Any, sensitive: frozenset[str]) -> bool:
    if not sensitive or not isinstance(value, str) or not value:
        return False
    return value in sensitive or any(s in value for s in sensitive if len(s) >= 8)


def _sensitive_origin(value: Any, sensitive: frozenset[str], origins: Mapping[str, str], default: str) -> str:
    """Where a sensitive env value's sensitivity comes from ("" when it is not sensitive)."""
    if not _is_sensitive(value, sensitive):
        return ""
    if value in origins:
        return origins[value]
    return next((origins[s] for s in sorted(sensitive, key=len, reverse=True) if len(s) >= 8 and s in value and s in origins), default)


def _env_var(e: dict, sensitive: frozenset[str], origins: Mapping[str, str], default: str) -> EnvVar:
    value = e.get("value")
    marked = _is_sensitive(value, sensitive)
    return EnvVar(e.get("name"), value, marked, _sensitive_origin(value, sensitive, origins, default) if marked else "")


def parse_container(
    raw: dict,
    where: str,
    sensitive: frozenset[str] = frozenset(),
    location=None,
    origins: Mapping[str, str] | None = None,
    default_origin: str = "",
) -> Container:
    c = _norm(raw)
    name = c.get("name")
    cw = f"{where}[{name}]" if isinstance(name, str) else where

    def listed(key: str, build):
        items = _items(c.get(key), f"{cw}.{key}")
        if isinstance(items, Unknown):
            return items
        out = []
        for item in items:
            if isinstance(item, Unknown):
                return item
            if not isinstance(item, dict):
                return Unknown(UNRESOLVED, f"{cw}.{key}", "an entry is not an object")
            out.append(build(item))
        return tuple(out)

    health = c.get("healthCheck")
    if isinstance(health, dict):
        health = _norm(health)
    return Container(
        name=name,
        image=c.get("image"),
        essential=c.get("essential"),
        port_mappings=listed(
            "portMappings",
            lambda p: PortMapping(p.get("containerPort"), p.get("hostPort"), p.get("protocol")),
        ),
        environment=listed(
            "environment",
            lambda e: _env_var(e, sensitive, origins or {}, default_origin),
        ),
        secrets=listed("secrets", lambda s: SecretVar(s.get("name"), s.get("valueFrom"))),
        mount_points=listed(
            "mountPoints",
            lambda m: MountPoint(m.get("sourceVolume"), m.get("containerPath"), m.get("readOnly")),
        ),
        depends_on=listed("dependsOn", lambda d: Dependency(d.get("containerName"), d.get("condition"))),
        health_check=health,
        location=location,
        command=_command(c),
    )


def _command(c: dict) -> Any:
    """entryPoint + command as one tuple of words; an Unknown when either is not known."""
    words: list = []
    for key in ("entryPoint", "command"):
        value = c.get(key)
        if value is None:
            continue
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return Unknown(UNRESOLVED, key, "expected a list of strings")
        words.extend(value)
    return tuple(words)


def parse_container_definitions(
    raw: Any,
    where: str,
    sensitive: Iterable[str] = (),
    location=None,
    origins: Mapping[str, str] | None = None,
    default_origin: str = "",
) -> tuple[Container, ...] | Unknown:
    """Parse a container_definitions value; an Unknown says why it could not be.

    ``origins`` says where each sensitive string's sensitivity comes from (``default_origin`` when it
    does not say): an env value holding one is marked sensitive, with that origin."""
    if isinstance(raw, Unknown):
        return raw
    if isinstance(raw, (Ref, Template)):
        return Unknown(UNRESOLVED, where, f"{raw.describe()} is known only after apply")
    if raw is None:
        return Unknown(NOT_EVALUATED, where, "container_definitions is not set")
    if isinstance(raw, (bytes, str)):
        try:
            raw = json.loads(raw)
        except ValueError:
            return Unknown(UNRESOLVED, where, "container_definitions is not valid JSON")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        return Unknown(UNRESOLVED, where, "container_definitions is not a list of containers")
    frozen = frozenset(s for s in sensitive if isinstance(s, str) and s)
    out = []
    for item in raw:
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, dict):
            return Unknown(UNRESOLVED, where, "a container definition is not an object")
        out.append(parse_container(item, where, frozen, location, origins, default_origin))
    return tuple(out)
