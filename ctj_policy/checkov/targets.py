"""Which file a plan-mode check is looking at.  Standard library only.

Checkov hands a check the resource conf and, as the ``scanned_file`` argument
of ``BaseCheck.run`` (the same name its report gives as ``file_path``), the
file's path relative to the scan's root folder: ``/plan.json`` for
``-f some/dir/plan.json``.  That is not enough to open the file, so the run
says what it scans: ``ctj-policy checkov`` puts the ``-f``/``-d`` paths it
hands Checkov into ``CTJ_CHECKOV_TARGETS`` (a JSON list of paths, or paths
separated by ``os.pathsep`` when written by hand), and :func:`locate` finds
the one target the relative name can denote.  When it cannot (the variable is
unset, nothing or more than one target matches) the check raises
:class:`~.verdict.ChecksError`: Checkov stops with one line and exit 2; a
check never silently reports nothing.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping, Sequence

from .verdict import ChecksError

TARGETS_ENV = "CTJ_CHECKOV_TARGETS"
LOADED_ENV = "CTJ_CHECKOV_LOADED"  # a file the checks write to when Checkov loads them (the wrapper checks it)

_FILE_FLAGS = ("-f", "--file")
_DIR_FLAGS = ("-d", "--directory")


def scan_targets(args: Sequence[str]) -> list[str]:
    """The files (``-f``/``--file``, several values each) and directories (``-d``/``--directory``)
    a Checkov command line scans, in order, as given."""
    out: list[str] = []
    items = list(args)
    i = 0
    while i < len(items):
        arg = items[i]
        i += 1
        if arg == "--":
            break
        flag, _, value = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        if flag not in _FILE_FLAGS + _DIR_FLAGS:
            continue
        if value:
            out.append(value)
            continue
        # -f takes one or more values (argparse nargs="+"), -d exactly one
        while i < len(items) and not items[i].startswith("-"):
            out.append(items[i])
            i += 1
            if flag in _DIR_FLAGS:
                break
    return out


def encode_targets(paths: Sequence[str]) -> str:
    return json.dumps([os.path.abspath(p) for p in paths])


def targets_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The targets the run declared (absolute), or None when it declared none."""
    raw = (os.environ if environ is None else environ).get(TARGETS_ENV, "").strip()
    if not raw:
        return None
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError:
            raise ChecksError(f"{TARGETS_ENV} is not a JSON list of paths") from None
        if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
            raise ChecksError(f"{TARGETS_ENV} is not a JSON list of paths")
    else:
        items = raw.split(os.pathsep)
    return tuple(os.path.abspath(p) for p in items if p)


def is_plan_file(scanned_file: str) -> bool:
    """Checkov's plan runner scans ``*.json`` plan files (a ``*.tf.json`` is HCL-mode configuration)."""
    name = scanned_file.lower()
    return name.endswith(".json") and not name.endswith(".tf.json")


@functools.lru_cache(maxsize=256)
def locate(scanned_file: str, targets: tuple[str, ...] | None) -> str:
    """The absolute path of the file Checkov calls ``scanned_file`` in a run scanning ``targets``.

    First Checkov's own rule (its plan runner: the root is the ``-d``
    directory, or the directory of the ``-f`` files' common prefix, and
    ``scanned_file`` is the file's real path relative to it); then, should
    that rule ever change, the one target whose path ends with the name.
    Raises :class:`ChecksError` when there is no target list, or not exactly
    one match.
    """
    if targets is None:
        raise ChecksError(
            f"cannot tell which plan file Checkov is scanning ({scanned_file!r}): run Checkov through "
            f"`ctj-policy checkov`, or set {TARGETS_ENV} to the paths you pass with -f/-d"
        )
    rel = os.path.normpath(scanned_file.replace("/", os.sep).lstrip(os.sep))
    files = [t for t in targets if os.path.isfile(t)]
    real_files = {os.path.realpath(t) for t in files}
    found: set[str] = set()
    for d in targets:
        if os.path.isdir(d):
            candidate = os.path.normpath(os.path.join(d, rel))
            if os.path.isfile(candidate):
                found.add(os.path.realpath(candidate))
    if files:
        root = os.path.split(os.path.commonprefix(files))[0]
        candidate = os.path.realpath(os.path.normpath(os.path.join(root, rel)))
        if candidate in real_files:
            found.add(candidate)
    if not found and not rel.startswith(os.pardir):
        found = {f for f in real_files if f.endswith(os.sep + rel)}
    if len(found) == 1:
        return found.pop()
    what = "none" if not found else str(len(found))
    raise ChecksError(
        f"cannot tell which plan file Checkov is scanning ({scanned_file!r}): {what} of the {len(targets)} "
        f"path(s) in {TARGETS_ENV} matches; run Checkov once per plan file"
    )


__all__ = ["LOADED_ENV", "TARGETS_ENV", "encode_targets", "is_plan_file", "locate", "scan_targets", "targets_from_env"]
