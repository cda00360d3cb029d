"""Secrets: which secret, JSON key and version a ``valueFrom`` names.  Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Deployment, Ref, Resource, Template, is_known, ref_matches, same_value


@dataclass(frozen=True)
class SecretKey:
    """A ``valueFrom`` split into the secret it names and the part of it used."""

    secret: Any  # arn/name string | Ref | Template | Unknown
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""


def _split_sm_tail(tail: str) -> tuple[str, str, str]:
    fields = tail.split(":")
    fields += [""] * (3 - len(fields))
    return fields[0], fields[1], fields[2]


def secret_key(value_from: Any) -> SecretKey:
    """Secrets Manager ``arn:...:secret:name-AbCdEf:json-key:stage:id`` (trailing
    colons optional), a Template ``${...arn}:json-key::`` (one of literal text only: as that text) or a plain
    Ref/ARN."""
    if isinstance(value_from, str):
        parts = value_from.split(":")
        if value_from.startswith("arn:") and len(parts) >= 7 and parts[2] == "secretsmanager" and parts[5] == "secret":
            key, stage, vid = _split_sm_tail(":".join(parts[7:]))
            return SecretKey(":".join(parts[:7]), key, stage, vid)
        return SecretKey(value_from)
    if isinstance(value_from, Template):
        p = value_from.parts
        if all(isinstance(x, str) for x in p):
            return secret_key("".join(p))  # literal text in pieces: no reference to resolve
        if len(p) >= 1 and not isinstance(p[0], str) and all(isinstance(x, str) for x in p[1:]):
            tail = "".join(p[1:])
            if tail == "" or tail.startswith(":"):
                key, stage, vid = _split_sm_tail(tail[1:])
                return SecretKey(p[0], key, stage, vid)
        return SecretKey(value_from)
    return SecretKey(value_from)


def _secret_resource(deployment: Deployment, secret: Any) -> Any:
    """Map a literal ARN or a Ref onto a Secret in the model when possible."""
    if isinstance(secret, Ref):
        for s in deployment.secrets:
            if ref_matches(secret, s.address):
                return s
        return secret
    if isinstance(secret, str):
        for s in deployment.secrets:
            if isinstance(s.arn, str) and s.arn == secret:
                return s
            if isinstance(s.name, str) and s.name == secret:
                return s
    return secret


def same_secret(deployment: Deployment, a: Any, b: Any) -> bool | None:
    """Do two valueFrom values name the same secret (ignoring the JSON key)?"""
    ka, kb = secret_key(a), secret_key(b)
    ra, rb = _secret_resource(deployment, ka.secret), _secret_resource(deployment, kb.secret)
    if isinstance(ra, Resource) and isinstance(rb, Resource):
        return ra is rb
    if isinstance(ra, Resource) or isinstance(rb, Resource):
        other = rb if isinstance(ra, Resource) else ra
        own = ra if isinstance(ra, Resource) else rb
        if isinstance(other, str):
            # a literal that is not this secret's (known) arn/name
            return False if is_known(own.arn) else None
        return None
    return same_value(ka.secret, kb.secret)


CURRENT_STAGE = "AWSCURRENT"  # what ECS reads when a valueFrom names no version


def _same_version(ka: SecretKey, kb: SecretKey) -> bool | None:
    """Do two references read the same version of a secret?  A version id and a
    stage cannot be compared without the secret's version history (None)."""
    if ka.version_id and kb.version_id:
        return ka.version_id == kb.version_id
    if ka.version_id or kb.version_id:
        return None
    return (ka.version_stage or CURRENT_STAGE) == (kb.version_stage or CURRENT_STAGE)


def same_secret_value(deployment: Deployment, a: Any, b: Any) -> bool | None:
    """Same secret, same JSON key and same version: the same string at runtime.
    (``AWSPREVIOUS`` is not the value ``AWSCURRENT`` or no stage reads.)"""
    same = same_secret(deployment, a, b)
    if same is not True:
        return same
    ka, kb = secret_key(a), secret_key(b)
    if ka.json_key != kb.json_key:
        return False
    version = _same_version(ka, kb)
    if version is not True:
        return version
    if isinstance(a, Template) and not isinstance(ka.secret, (Ref, str)):
        return same_value(a, b)
    return True
