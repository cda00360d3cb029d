"""``ctj-policy checkov -- <checkov args>``: run Checkov with the CTJ checks, offline.

Checkov lives in its own environment (its bc-python-hcl2 clobbers
python-hcl2's ``hcl2``), so this only finds and runs its executable, from
what the user configured and never from the directory being checked (a
cloned repository could plant ``./.venv-checkov/bin/checkov`` or ``./checkov``):

1. ``--checkov PATH``;
2. env ``CTJ_CHECKOV``;
3. ``checkov`` on PATH (absolute PATH entries only: an empty or relative
   entry would mean the current directory).

No configuration-file key: ``[tool.ctj-policy]`` is read from the repository
being checked, which must not choose what runs.

It adds ``--external-checks-dir`` with the checks shipped in this package
(:data:`CHECKS_DIR`; exit 2 when they are missing), ``--skip-download`` and
``--compact`` (Checkov prints each failing resource's code block, which can
hold sensitive values such as env values of a task definition; ``--compact``
drops them from the CLI and JSON output; ``--show-code`` opts out), sets the
offline environment (``BC_SKIP_MAPPING=TRUE``,
``CKV_SKIP_PACKAGE_UPDATE_CHECK=true``, no API key), tells the checks what
Checkov scans (``CTJ_CHECKOV_TARGETS``: plan-mode checks read the plan file
themselves), and returns Checkov's exit code, or 2 when a scan ran without
Checkov loading the CTJ checks (never a silent clean pass).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .targets import LOADED_ENV, TARGETS_ENV, encode_targets, scan_targets

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
CHECKS_MODULE = "ctj_checks.py"
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}
# anything that would make Checkov talk to a platform
_API_ENV = ("BC_API_KEY", "CKV_API_KEY", "PRISMA_API_URL", "BC_API_URL")
INSTALL_HINT = (
    "install it in its own environment: pipx install checkov (or python3 -m venv .venv-checkov && "
    ".venv-checkov/bin/pip install -r requirements-checkov.txt, then --checkov .venv-checkov/bin/checkov)"
)


def _search_path(environ: dict | None = None) -> str:
    """PATH without the entries that mean the current directory (empty, ``.``, any relative one)."""
    raw = (os.environ if environ is None else environ).get("PATH", os.defpath)
    return os.pathsep.join(d for d in raw.split(os.pathsep) if d and os.path.isabs(d))


def find_checkov(explicit: str | None = None, environ: dict | None = None) -> str | None:
    """The checkov executable to run (``--checkov``, ``CTJ_CHECKOV``, ``checkov`` on PATH), or None."""
    import shutil  # here, not at import: `ctj-policy check` loads this module too

    env = os.environ if environ is None else environ
    path = _search_path(env)
    for candidate in (explicit, env.get("CTJ_CHECKOV")):
        if candidate:
            if os.sep in candidate or (os.altsep and os.altsep in candidate):
                return candidate if Path(candidate).is_file() else None  # a path the user named
            return shutil.which(candidate, path=path)
    return shutil.which("checkov", path=path)


def checks_missing(checks_dir: Path = CHECKS_DIR) -> str | None:
    """Why the packaged checks cannot be loaded from ``checks_dir``, or None when they can."""
    for name in ("__init__.py", CHECKS_MODULE):  # Checkov loads no directory without __init__.py
        if not (checks_dir / name).is_file():
            return f"the CTJ checks are missing from this installation ({checks_dir / name}); reinstall ctj-policy"
    return None


def offline_env(base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    for key in _API_ENV:
        env.pop(key, None)
    env.update(OFFLINE_ENV)
    return env


def checkov_argv(
    checkov: str, args: Sequence[str], checks_dir: Path = CHECKS_DIR, *, compact: bool = True
) -> list[str]:
    """Checkov's command line: ``args`` plus the CTJ checks directory (also next to the user's own
    ``--external-checks-dir``), ``--skip-download`` and ``--compact``."""
    argv = [checkov, *args]
    given = {os.path.realpath(v) for v in _option_values(args, "--external-checks-dir")}
    if os.path.realpath(checks_dir) not in given:
        argv += ["--external-checks-dir", str(checks_dir)]
    if "--skip-download" not in args:
        argv.append("--skip-download")
    if compact and "--compact" not in args:
        argv.append("--compact")  # no resource code blocks (they can hold secrets) in CLI/JSON output
    return argv


def scan_env(args: Sequence[str], base: dict | None = None) -> dict:
    """The offline environment plus ``CTJ_CHECKOV_TARGETS``: what the plan-mode checks need to find the
    plan file Checkov scans (:func:`~.targets.locate`)."""
    env = offline_env(base)
    targets = scan_targets(args)
    if targets:
        env[TARGETS_ENV] = encode_targets(targets)
    return env


# the output formats --compact is verified to clean (Checkov 3.3.30); junitxml, and the files
# -o sarif / -o csv write (checked together), were seen to still carry resource code
COMPACT_CLEAN_OUTPUTS = frozenset({"cli", "json"})


def _option_values(args: Sequence[str], long: str, short: str | None = None) -> list[str]:
    out: list[str] = []
    items = list(args)
    for i, arg in enumerate(items):
        if arg in (long, short) and i + 1 < len(items):
            out.append(items[i + 1])
        elif arg.startswith(long + "="):
            out.append(arg.split("=", 1)[1])
        elif short and arg.startswith(short) and len(arg) > len(short) and not arg.startswith("--"):
            out.append(arg[len(short) :])
    return out


def _err(message: str) -> None:
    sys.stderr.write(f"ctj-policy: {message}\n")


def run(args: Sequence[str], checkov: str | None = None, *, show_code: bool = False) -> int:
    exe = find_checkov(checkov)
    if exe is None:
        named = checkov or os.environ.get("CTJ_CHECKOV")
        where = f"'{named}'" if named else "checkov (--checkov PATH, CTJ_CHECKOV or PATH)"
        _err(f"{where} not found; {INSTALL_HINT}")
        return 2
    missing = checks_missing()
    if missing:
        _err(missing)
        return 2
    leaky = sorted(set(_option_values(args, "--output", "-o")) - COMPACT_CLEAN_OUTPUTS)
    if leaky and not show_code:
        _err(
            f"warning: Checkov's {', '.join(leaky)} output may include resource code even with --compact "
            "(only cli and json are verified clean); it may contain sensitive values"
        )
    import subprocess
    import tempfile

    env = scan_env(args)
    scans = bool(scan_targets(args))
    fd, marker = tempfile.mkstemp(prefix="ctj-policy-checkov-", suffix=".loaded")
    os.close(fd)
    env[LOADED_ENV] = marker
    try:
        code = subprocess.call(checkov_argv(exe, list(args), compact=not show_code), env=env)
        loaded = Path(marker).read_text(encoding="utf-8").strip()
    except OSError as exc:
        _err(f"cannot run {exe}: {exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        Path(marker).unlink(missing_ok=True)
    if scans and code in (0, 1) and not loaded:
        _err(
            f"Checkov ran no CTJ check: it did not load {CHECKS_DIR} "
            "(is --framework terraform or terraform_plan in the run?)"
        )
        return 2
    return code


def register(cli_group) -> None:
    """Add the ``checkov`` subcommand to ctj-policy's click group."""
    import click

    @cli_group.command(
        name="checkov",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.option(
        "--checkov", "checkov_path", metavar="PATH", default=None,
        help="The checkov executable (default: $CTJ_CHECKOV, else checkov on PATH; never the current directory).",
    )  # fmt: skip
    @click.option(
        "--show-code", is_flag=True, default=False,
        help="Do not pass --compact: let Checkov print resource code blocks (they can contain secrets).",
    )  # fmt: skip
    @click.option(
        "--print-checks-dir", is_flag=True, default=False,
        help="Print the directory of the CTJ checks (for checkov --external-checks-dir) and exit.",
    )  # fmt: skip
    @click.argument("checkov_args", nargs=-1, type=click.UNPROCESSED)
    def checkov_command(
        checkov_path: str | None, show_code: bool, print_checks_dir: bool, checkov_args: tuple[str, ...]
    ):
        """Run Checkov with the CTJ custom checks, offline.

        Everything after ``--`` goes to Checkov, e.g.
        ``ctj-policy checkov -- -f plan.json --framework terraform_plan --check 'CKV_CTJ_*'``.
        Adds --compact (no resource code blocks, which can hold secrets) unless --show-code.
        """
        if print_checks_dir:
            missing = checks_missing()
            if missing:
                _err(missing)
                sys.exit(2)
            click.echo(str(CHECKS_DIR))
            sys.exit(0)
        sys.exit(run(checkov_args, checkov_path, show_code=show_code))


__all__ = [
    "CHECKS_DIR",
    "checkov_argv",
    "checks_missing",
    "find_checkov",
    "offline_env",
    "register",
    "run",
    "scan_env",
]
