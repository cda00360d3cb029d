"""Volumes: where a container's mounts lead and whether they outlive the task.  Standard library only."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ..model import Container, MountPoint, Ref, TaskDefinition, Template, Unknown, Volume, describe, is_symbolic
from .values import explain_unknown, items


def norm_path(path: str) -> str:
    """``/var/lib/./postgresql//data/`` -> ``/var/lib/postgresql/data``.  normpath keeps exactly two leading
    slashes (POSIX leaves their meaning to the system); in a Linux container ``//x`` is ``/x``."""
    p = posixpath.normpath(path)
    return p[1:] if p.startswith("//") else p


def path_within(path: str, base: str) -> bool:
    """Is ``path`` equal to or below ``base``?"""
    p, b = norm_path(path), norm_path(base)
    return p == b or p.startswith(b.rstrip("/") + "/")


def volume_persistence(volume: Volume, launch: Any) -> tuple[bool | None, str]:
    """Does the volume outlive the task?  (verdict, reason for messages)."""
    name = describe(volume.name)
    if volume.efs is not None:
        return True, f"volume '{name}' is EFS"
    if volume.configure_at_launch is True:
        return False, f"volume '{name}' is configured at launch (an ECS-managed EBS volume is deleted with its task)"
    host = volume.host_path is not None
    shared = volume.docker is not None and volume.docker.scope == "shared"
    if volume.docker is not None and is_symbolic(volume.docker.scope):
        return None, f"docker scope of volume '{name}' is not known: {explain_unknown(volume.docker.scope)}"
    if host or shared:
        kind = "host_path" if host else "docker volume with scope 'shared'"
        if isinstance(launch, Unknown):
            return None, f"volume '{name}' is a {kind}, persistent only on EC2, and the launch type is not known: {explain_unknown(launch)}"
        if launch == "EC2":
            return True, f"volume '{name}' is a {kind} on EC2"
        if launch is None:
            return None, f"volume '{name}' is a {kind}, persistent only on EC2, and neither requires_compatibilities nor the service's launch_type says EC2; set requires_compatibilities = [\"EC2\"]"
        return False, f"volume '{name}' is a {kind}, which does not persist on {launch}"
    if volume.docker is not None:
        return False, f"volume '{name}' is a docker volume with scope '{describe(volume.docker.scope or 'task')}' (removed with the task)"
    where = f" on {launch}" if isinstance(launch, str) else ""
    return False, f"volume '{name}' is a bind mount without host_path{where} (ephemeral task storage)"


@dataclass(frozen=True)
class MountInfo:
    mount: MountPoint
    volume: Volume | None
    persistent: bool | None
    reason: str


def mounts_of(task: TaskDefinition, container: Container, launch: Any) -> list[MountInfo] | Unknown:
    """Every mount of ``container``, with whether it is persistent and writable."""
    if isinstance(container.mount_points, Unknown):
        return container.mount_points
    if isinstance(task.volumes, Unknown) and items(container.mount_points):
        return task.volumes
    out = []
    for m in items(container.mount_points):
        path = describe(m.container_path)
        if isinstance(m.read_only, (Unknown, Ref, Template)):
            out.append(MountInfo(m, None, None, f"readOnly of the mount at {path} is not known: {explain_unknown(m.read_only)}"))
            continue
        if m.read_only is True:
            out.append(MountInfo(m, None, False, f"the mount at {path} is readOnly"))
            continue
        vol = task.volume_named(m.source_volume)
        if vol is None:
            if is_symbolic(m.source_volume):
                out.append(MountInfo(m, None, None, f"sourceVolume of the mount at {path} is not known: {explain_unknown(m.source_volume)}"))
            else:
                out.append(MountInfo(m, None, False, f"the mount at {path} names volume '{describe(m.source_volume)}', which the task does not declare"))
            continue
        verdict, reason = volume_persistence(vol, launch)
        out.append(MountInfo(m, vol, verdict, reason))
    return out
