"""The questions rules ask of a deployment.  Standard library only.

Which task is CTJ's, which container plays which role, which service runs the
task, where a variable comes from, whether two ``valueFrom`` name the same
secret, whether a volume outlives the task, which target group a listener rule
forwards to...  The rules, the diagram (``topology.py``) and the Checkov
adapter all ask them here (``from ctj_policy.queries import ctj_task``), so
the answers agree.  Nothing here builds a finding or a message for one rule:
that is ``rules/common.py``.

Three-valued answers: helpers return ``True``/``False`` when the model decides
the question and ``None`` (or an :class:`~ctj_policy.model.Unknown`) when it
does not; callers turn the latter into ``unknown`` findings.

One module per subject: ``values`` (integers, collections, what is unknown),
``images``, ``task`` (the CTJ task, roles, its service, environment),
``secrets``, ``storage`` (volumes and mounts), ``routing`` (ports, target
groups, listener rules).
"""

from __future__ import annotations

from .images import ImageRef, image_is_from, is_official_postgres, normalize_repository, parse_image, tag_major
from .modules import may_deploy, unevaluated_deploying
from .roles import BACKEND, DATABASE, FRONTEND, ROLES
from .routing import (
    RoleTargetGroup,
    admits_port,
    container_ports,
    forward_targets,
    forwards_to,
    is_catch_all_pattern,
    names_target_group,
    no_target_group_reason,
    path_patterns,
    pattern_covers,
    resolve_target_group,
    role_target_group,
    target_group_for_role,
)
from .secrets import SecretKey, same_secret, same_secret_value, secret_key
from .storage import MountInfo, mounts_of, norm_path, path_within, volume_persistence
from .task import (
    container_role,
    containers_unknown,
    ctj_service,
    ctj_task,
    in_environment,
    launch_type,
    lookup,
    role_container,
    role_evidence,
    roles_of,
    runs_task,
    services_for,
)
from .values import SOURCE_DIR_HINT, as_int, explain_unknown, items

__all__ = [
    "BACKEND",
    "DATABASE",
    "FRONTEND",
    "ROLES",
    "SOURCE_DIR_HINT",
    "ImageRef",
    "MountInfo",
    "SecretKey",
    "admits_port",
    "as_int",
    "container_ports",
    "container_role",
    "containers_unknown",
    "ctj_service",
    "ctj_task",
    "explain_unknown",
    "forward_targets",
    "forwards_to",
    "image_is_from",
    "in_environment",
    "is_catch_all_pattern",
    "may_deploy",
    "is_official_postgres",
    "items",
    "launch_type",
    "lookup",
    "mounts_of",
    "names_target_group",
    "norm_path",
    "normalize_repository",
    "parse_image",
    "path_patterns",
    "path_within",
    "pattern_covers",
    "resolve_target_group",
    "role_container",
    "role_target_group",
    "RoleTargetGroup",
    "target_group_for_role",
    "no_target_group_reason",
    "role_evidence",
    "roles_of",
    "runs_task",
    "same_secret",
    "same_secret_value",
    "secret_key",
    "services_for",
    "tag_major",
    "unevaluated_deploying",
    "volume_persistence",
]
