"""``ctj-policy checkov -- <checkov args>``: run Checkov with the CTJ checks, offline.

Checkov lives in its own environment (its bc-python-hcl2 clobbers
python-hcl2's ``hcl2``), so this only finds and runs its executable:

1. ``--checkov PATH``;
2. env ``CTJ_CHECKOV``;
3. ``.venv-checkov/bin/checkov`` in the repository holding ``policies/``;
4. ``checkov`` on PATH (e.g. ``pipx install checkov``).

It adds ``--external-checks-dir <policies>``, ``--skip-download`` and
``--compact`` (Checkov prints each failing resource's code block, which can
hold sensitive values such as env values of a task definition; ``--compact``
drops them from the CLI and JSON output; ``--show-code`` opts out), sets
the offline environment (``BC_SKIP_MAPPING=TRUE``,
``CKV_SKIP_PACKAGE_UPDATE_CHECK=true``, no API key) and ``CTJ_POLICY_PATH``
so the checks import this very ``ctj_policy``; returns Checkov's exit code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO / "policies"
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}
# anything that would make Checkov talk to a platform
_API_ENV = ("BC_API_KEY", "CKV_API_KEY", "PRISMA_API_URL", "BC_API_URL")


def _windows_name(path: Path) -> Path:
    return path.with_suffix(".exe") if os.name == "nt" else path


def find_checkov(explicit: str | None = None) -> str | None:
    """The checkov executable to run, or None."""
    import shutil  # here, not at import: `ctj-policy check` loads this module too

    for candidate in (explicit, os.environ.get("CTJ_CHECKOV")):
        if candidate:
            found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
            return found
    for venv in (REPO / ".venv-checkov", Path.cwd() / ".venv-checkov"):
        exe = _windows_name(venv / ("Scripts" if os.name == "nt" else "bin") / "checkov")
        if exe.is_file():
            return str(exe)
    return shutil.which("checkov")


def offline_env(base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    for key in _API_ENV:
        env.pop(key, None)
    env.update(OFFLINE_ENV)
    env.setdefault("CTJ_POLICY_PATH", str(REPO))
    return env


def checkov_argv(checkov: str, args: Sequence[str], policies: Path = POLICIES, *, compact: bool = True) -> list[str]:
    argv = [checkov, *args]
    if "--external-checks-dir" not in args:
        argv += ["--external-checks-dir", str(policies)]
    if "--skip-download" not in args:
        argv.append("--skip-download")
    if compact and "--compact" not in args:
        argv.append("--compact")  # no resource code blocks (they can hold secrets) in CLI/JSON output
    return argv


# the output formats --compact is verified to clean (Checkov 3.3.30); junitxml, and the files
# -o sarif / -o csv write (checked together), were seen to still carry resource code
COMPACT_CLEAN_OUTPUTS = frozenset({"cli", "json"})


def _outputs(args: Sequence[str]) -> set[str]:
    out: set[str] = set()
    items = list(args)
    for i, arg in enumerate(items):
        if arg in ("-o", "--output") and i + 1 < len(items):
            out.add(items[i + 1])
        elif arg.startswith("--output="):
            out.add(arg.split("=", 1)[1])
        elif arg.startswith("-o") and len(arg) > 2:
            out.add(arg[2:])
    return out


def run(args: Sequence[str], checkov: str | None = None, *, show_code: bool = False) -> int:
    exe = find_checkov(checkov)
    if exe is None:
        named = checkov or os.environ.get("CTJ_CHECKOV")
        where = f"'{named}'" if named else "checkov (--checkov PATH, CTJ_CHECKOV, .venv-checkov/bin/checkov or PATH)"
        sys.stderr.write(
            f"ctj-policy: {where} not found; install it in its own environment: pipx install checkov "
            "(or python3 -m venv .venv-checkov && .venv-checkov/bin/pip install -r requirements-checkov.txt)\n"
        )
        return 2
    leaky = sorted(_outputs(args) - COMPACT_CLEAN_OUTPUTS)
    if leaky and not show_code:
        sys.stderr.write(
            f"ctj-policy: warning: Checkov's {', '.join(leaky)} output may include resource code even with --compact "
            "(only cli and json are verified clean); it may contain sensitive values\n"
        )
    import subprocess

    try:
        return subprocess.call(checkov_argv(exe, list(args), compact=not show_code), env=offline_env())
    except OSError as exc:
        sys.stderr.write(f"ctj-policy: cannot run {exe}: {exc.strerror or exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def register(cli_group) -> None:
    """Add the ``checkov`` subcommand to ctj-policy's click group."""
    import click

    @cli_group.command(
        name="checkov",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.option("--checkov", "checkov_path", metavar="PATH", default=None, help="The checkov executable (default: $CTJ_CHECKOV, .venv-checkov/bin/checkov, PATH).")
    @click.option(
        "--show-code", is_flag=True, default=False,
        help="Do not pass --compact: let Checkov print resource code blocks (they can contain secrets).",
    )
    @click.argument("checkov_args", nargs=-1, type=click.UNPROCESSED)
    def checkov_command(checkov_path: str | None, show_code: bool, checkov_args: tuple[str, ...]) -> None:
        """Run Checkov with the CTJ custom checks (policies/), offline.

        Everything after ``--`` goes to Checkov, e.g.
        ``ctj-policy checkov -- -f plan.json --framework terraform_plan --check 'CKV_CTJ_*'``.
        Adds --compact (no resource code blocks, which can hold secrets) unless --show-code.
        """
        sys.exit(run(checkov_args, checkov_path, show_code=show_code))


__all__ = ["find_checkov", "offline_env", "checkov_argv", "run", "register", "POLICIES", "REPO"]
