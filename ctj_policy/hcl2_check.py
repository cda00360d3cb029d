"""Detect a clobbered ``hcl2`` module (bc-python-hcl2 installed over python-hcl2).

Checkov depends on bc-python-hcl2, a fork that installs a top-level package
named ``hcl2`` too: installing Checkov into ctj-policy's environment silently
replaces python-hcl2 8.x's files with the fork's 0.4.x ones (or leaves a mix).
HCL mode then fails in confusing ways, so the HCL parser calls
:func:`ensure_python_hcl2` first.  Standard library only; nothing is imported
from ``hcl2`` (the check reads package metadata and files), and nothing from
ctj_policy but :mod:`ctj_policy.errors`: the loaders import this module, never
the other way round.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from .errors import InputError

REQUIREMENT = "python-hcl2>=8.1.4,<9"  # as in pyproject.toml
FIX = (
    "install Checkov in its own environment: pipx install checkov (or python3 -m venv .venv-checkov && "
    ".venv-checkov/bin/pip install -r requirements-checkov.txt), then pip uninstall -y bc-python-hcl2 "
    f"&& pip install --force-reinstall '{REQUIREMENT}' here"
)
INSTALL = f"pip install '{REQUIREMENT}'"
# files python-hcl2 8.x has and bc-python-hcl2 0.4.x does not
_MARKERS = ("postlexer.py", "hcl2.lark")
# 8.1.0-8.1.1 lex true/false/null as names, 8.1.2 rejects CRLF files, 8.1.3 keyword object keys
OLDEST = (8, 1, 4)
UPGRADE = f"pip install --upgrade '{REQUIREMENT}'"


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _major(version: str | None) -> int | None:
    m = re.match(r"^(\d+)", version or "")
    return int(m.group(1)) if m else None


def _release(version: str | None) -> tuple[int, ...]:
    """``"8.1.4"`` -> ``(8, 1, 4)``; the leading numeric release only (``"8.1.4.dev2"`` -> ``(8, 1, 4)``)."""
    m = re.match(r"^(\d+(?:\.\d+)*)", version or "")
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def _too_old(version: str | None) -> bool:
    return _major(version) == 8 and _release(version) < OLDEST


def _package_version(directory: Path) -> str | None:
    """``hcl2/version.py``'s version (bc-python-hcl2 writes its own 0.x there)."""
    for name in ("version.py", "_version.py"):
        try:
            text = (directory / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        m = re.search(r"""(?:__version__|version)\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", text)
        if m:
            return m.group(1)
    return None


def _plainly_fine(directory: Path) -> bool:
    """The usual case, decided from one directory listing instead of package metadata.

    True when ``hcl2`` sits next to python-hcl2 8.x's dist-info and no
    bc-python-hcl2 dist-info, holds python-hcl2's marker files, and its
    ``version.py`` says 8.x, at least 8.1.4.  Anything else goes through the
    full diagnosis.
    """
    try:
        names = os.listdir(directory.parent)
    except OSError:
        return False
    dists = [n.lower() for n in names if n.endswith(".dist-info")]
    if any(n.startswith("bc_python_hcl2-") for n in dists):
        return False
    if not any(n.startswith("python_hcl2-8.") for n in dists):
        return False
    if any(not (directory / m).is_file() for m in _MARKERS):
        return False
    on_disk = _package_version(directory)
    return _major(on_disk) == 8 and not _too_old(on_disk)


def diagnose() -> str | None:
    """None when ``hcl2`` is python-hcl2 8.x (8.1.4 or later); else a one-line reason."""
    try:
        spec = importlib.util.find_spec("hcl2")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and _plainly_fine(Path(spec.origin).parent):
        return None
    py_version = _version("python-hcl2")
    bc_version = _version("bc-python-hcl2")
    if spec is None or not spec.origin:
        if bc_version:
            return f"python-hcl2 8.x is shadowed by bc-python-hcl2 {bc_version} (installed by Checkov): no hcl2 module is importable"
        return f"python-hcl2 8.x is not installed ({INSTALL})"
    directory = Path(spec.origin).parent
    if py_version is None:
        if bc_version:
            return f"python-hcl2 8.x is shadowed by bc-python-hcl2 {bc_version} (installed by Checkov): the hcl2 module is the fork's"
        return f"the hcl2 module does not come from python-hcl2 8.x ({INSTALL})"
    if _major(py_version) != 8:
        return f"python-hcl2 {py_version} is installed; HCL mode needs python-hcl2 8.x ({INSTALL})"
    if _too_old(py_version):
        return (
            f"python-hcl2 {py_version} is installed; HCL mode needs python-hcl2 8.1.4 or later "
            f"(older 8.1 releases misread true/false/null, CRLF files or keyword keys): {UPGRADE}"
        )
    on_disk = _package_version(directory)
    missing = [m for m in _MARKERS if not (directory / m).is_file()]
    if bc_version is not None or missing or (on_disk is not None and _major(on_disk) != 8):
        detail = []
        if bc_version is not None:
            detail.append(f"bc-python-hcl2 {bc_version} is installed")
        if on_disk is not None and on_disk != py_version:
            detail.append(f"{directory} holds version {on_disk}")
        if missing:
            detail.append(f"{', '.join(missing)} missing from {directory}")
        return f"python-hcl2 {py_version} is shadowed by bc-python-hcl2 (installed by Checkov): {'; '.join(detail)}"
    return None


def ensure_python_hcl2() -> None:
    """Raise InputError (exit 2, one line) when ``hcl2`` is not python-hcl2 8.x (8.1.4 or later).

    The Checkov advice (:data:`FIX`) is added when bc-python-hcl2 is involved;
    every other reason names its own ``pip install``.
    """
    reason = diagnose()
    if reason is None:
        return
    fix = f"; {FIX}" if "bc-python-hcl2" in reason else ""
    raise InputError(f"HCL mode cannot run: {reason}{fix}")


__all__ = ["diagnose", "ensure_python_hcl2", "FIX", "INSTALL"]
