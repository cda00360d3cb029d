"""The ``ctj-policy`` command line.

Imported only by the console script and ``python -m ctj_policy``.  Startup is
kept cheap: loaders, rules, the engine and reporters are imported inside the
commands that need them, so ``ctj-policy version`` or a usage error never pays
for jsonschema or python-hcl2.

Error contract (SPEC section 5): exit 0/1 from the evaluation, exit 2 for any
usage or input error with ONE line ``ctj-policy: error: <reason>`` on stderr
and never a traceback.  An unexpected exception is reported as one
``ctj-policy: internal error`` line (exit 2); ``CTJ_POLICY_DEBUG=1`` re-raises
it to show the traceback.  Error lines never echo input file contents.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click

from . import __version__
from .cli_output import (  # write_atomic, pair_outputs and CliError are part of this module's interface too
    ORDER_KEY,
    USAGE_EXIT,
    CliError,
    PairedOptionsCommand,
    _encode,
    _write_stdout,
    pair_outputs,
    write_atomic,
)
from .errors import CtjPolicyError

PROG = "ctj-policy"
DEBUG_ENV = "CTJ_POLICY_DEBUG"
ISSUES_HINT = "please report it with the command you ran"

_VAR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class _NoCommand(click.UsageError):
    """A bare ``ctj-policy`` (no command): help on stdout, then exit 2.

    Raised by ``CtjGroup.parse_args`` on every click version: click 8.1 would
    print the help and exit 0, click 8.2+ raises its own ``NoArgsIsHelpError``.
    """

    def __init__(self, ctx: click.Context) -> None:
        super().__init__("missing command", ctx=ctx)


# --------------------------------------------------------------------------
# one-line error reporting
# --------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Collapse a message onto one line (no control characters)."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text))
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "?", text)
    return text.strip() or "unknown error"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _error(message: str) -> int:
    click.echo(f"{PROG}: error: {_one_line(message)}", err=True)
    return USAGE_EXIT


def _internal_error(exc: BaseException) -> int:
    # Never print the exception's message: it may hold input values (secrets).
    # Name the type and the innermost frame inside ctj_policy instead.
    import traceback

    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        filename = frame.filename.replace("\\", "/")
        if "/ctj_policy/" in filename:
            where = f" at ctj_policy/{filename.rsplit('/ctj_policy/', 1)[1]}:{frame.lineno}"
            break
    click.echo(
        f"{PROG}: internal error: {type(exc).__name__}{where}; {ISSUES_HINT} "
        f"(set {DEBUG_ENV}=1 to see the traceback)",
        err=True,
    )
    return USAGE_EXIT


def _oserror_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or type(exc).__name__
    return f"{name}: {reason}" if name else reason


class CtjGroup(click.Group):
    """A click group whose ``main`` applies the one-line error contract."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            raise _NoCommand(ctx)
        return super().parse_args(ctx, args)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name or PROG, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args, prog_name, complete_var, **extra) -> int:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NoCommand as exc:  # `ctj-policy` alone
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            return _error("missing command; see the list above")
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            return _error(exc.format_message() + hint)
        except click.ClickException as exc:
            return _error(exc.format_message())
        except click.Abort:
            return _error("aborted")
        except CtjPolicyError as exc:  # InputError, ConfigError, LimitError, WaiverSyntaxError
            return _error(str(exc))
        except MemoryError:
            if _debug():
                raise
            return _error(
                "out of memory while checking; the input is too large for this machine "
                "(CTJ_POLICY_MAX_INPUT_MB bounds how much is read)"
            )
        except OSError as exc:
            if _debug():
                raise
            return _error(_oserror_message(exc))
        except Exception as exc:  # a bug: one line, no traceback (unless asked)
            if _debug():
                raise
            return _internal_error(exc)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return rv
        return 0


def _stdout_is_tty() -> bool:
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set."""
    if no_color or os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _stdout_is_tty()


# --------------------------------------------------------------------------
# rules (imported lazily)
# --------------------------------------------------------------------------


def _rules_module():
    try:
        return importlib.import_module("ctj_policy.rules")
    except ImportError as exc:
        if _debug():
            raise
        raise CliError(f"the rule catalog could not be loaded ({type(exc).__name__}: {exc}); is ctj-policy installed completely?") from None


def _all_rules() -> list:
    return sorted(_rules_module().ALL_RULES, key=lambda r: r.id)


def _unknown_rule(rule_id: str, known: Sequence[str]) -> CliError:
    import difflib

    close = difflib.get_close_matches(rule_id.upper(), list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return CliError(f"unknown rule {rule_id!r}{hint} ('{PROG} rules' lists them all)")


def _lookup_rule(rule_id: str):
    module = _rules_module()
    try:
        return module.get_rule(rule_id.strip().upper())
    except KeyError:
        raise _unknown_rule(rule_id, [r.id for r in module.ALL_RULES]) from None


# --------------------------------------------------------------------------
# the commands
# --------------------------------------------------------------------------


def _version_callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"{PROG} {__version__}")
    ctx.exit(0)


@click.group(cls=CtjGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version_callback, help="Print the version and exit.")
def cli() -> None:
    """Check Terraform plans and sources against the CivicTechJobs Stage 1 decision.

    Exit codes: 0 = no failing error-severity result, 1 = at least one,
    2 = usage or input error.
    """


def _format_choice() -> click.Choice:
    from .reporters import FORMATS  # light: a dict and importlib

    return click.Choice(list(FORMATS), case_sensitive=False)


def _parse_vars(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(pairs, 1):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _VAR_NAME_RE.match(name):
            # do not echo the value: it may be a secret
            raise CliError(f"--var #{i}: expected NAME=VALUE with NAME a Terraform variable name")
        out[name] = value
    return out


@cli.command(cls=PairedOptionsCommand)
@click.argument("paths", metavar="PATH...", nargs=-1, required=True)
@click.option("-f", "--format", "formats", multiple=True, type=_format_choice(), metavar="FMT",
              help="Report format: text (default), json, sarif, junit, github, markdown. Repeatable.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE",
              help="Write the report of the --format just before it to FILE (atomically; an existing FIFO or device "
                   "such as /dev/null is written in place). Repeatable.")
@click.option("--scope", default=None, metavar="auto|root|module.NAME",
              help="Which part of the input is CTJ's (default: the config's scope, normally auto).")
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="Configuration file (.ctj-policy.toml or pyproject.toml); default: found upward from the current directory.")
@click.option("--allow-unknown", is_flag=True, help="Do not fail on results that could not be decided.")
@click.option("--fail-on", type=click.Choice(["error", "warning"], case_sensitive=False), default="error", show_default=True,
              help="Lowest severity that makes the check fail.")
@click.option("--baseline", "baseline_path", default=None, metavar="FILE",
              help="A baseline made by `ctj-policy baseline`: results recorded in it are reported as unchanged and do not "
                   "fail the check, new ones do (default: the config's `baseline`).")
@click.option("--source-dir", default=None, type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Plan mode: the .tf sources, to fill values the plan leaves unknown and add file:line locations.")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="HCL mode / --source-dir: set a Terraform variable. Repeatable.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="HCL mode / --source-dir: a .tfvars file. Repeatable.")
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Run only this rule. Repeatable.")
@click.option("--workflow", "workflow_files", multiple=True, metavar="FILE",
              help="A GitHub Actions deploy workflow to check in lockstep with the Terraform (CTJ040-CTJ044; "
                   "default: the config's workflows). Repeatable.")
@click.option("--no-color", is_flag=True, help="Never colour the text report (also: NO_COLOR=1).")
@click.option("-v", "--verbose", is_flag=True, help="Text report: list passing results too.")
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    allow_unknown: bool,
    fail_on: str,
    baseline_path: str | None,
    no_color: bool,
    verbose: bool,
    **inputs: Any,
) -> None:
    """Check PATH: a plan JSON file (`terraform show -json tfplan`), - for stdin, or a directory of .tf files.

    Several PATHs (as the pre-commit plan hook passes them) are checked one by
    one into text or github reports on stdout; the exit code is the worst one.
    """
    # 1. everything that needs no input: options, outputs, rule selection, config, the baseline
    formats = tuple(f.lower() for f in formats)
    pairs = pair_outputs(ctx.meta.get(ORDER_KEY), formats, outputs)
    if len(paths) > 1:
        streamable = {"text", "github"}
        if any(out is not None or fmt not in streamable for fmt, out in pairs):
            raise CliError("several PATHs are reported one after another: use --format text or github, without --output (or run once per PATH)")
        if "-" in paths:
            raise CliError("- (stdin) cannot be combined with other PATHs")
    job = prepare(paths, **inputs)
    recorded = _read_baseline(baseline_path or job.config.baseline, paths)

    exit_code = 0
    for path in paths:
        exit_code = max(exit_code, _check_one(path, job, pairs, recorded, allow_unknown, fail_on, no_color, verbose))
    ctx.exit(exit_code)


@dataclass(frozen=True)
class Job:
    """What every input of one run shares: the configuration, the rules, the loader options."""

    config: Any
    rules: list
    rule_catalog: list[str]
    scope: str | None
    source_dir: str | None
    var_values: dict[str, str]
    var_files: tuple[str, ...]
    workflows: tuple = ()  # the deploy workflows (--workflow / workflows = [...]), loaded once


def prepare(
    paths: Sequence[str],
    *,
    scope: str | None,
    config_path: str | None,
    source_dir: str | None,
    variables: Sequence[str],
    var_files: Sequence[str],
    rule_ids: Sequence[str],
    workflow_files: Sequence[str] = (),
) -> Job:
    """Check the input options (no input is read), select the rules, load the configuration."""
    hcl_mode = any(p != "-" and os.path.isdir(p) for p in paths)
    if hcl_mode and source_dir:
        raise CliError("--source-dir is for plan input; PATH is already a directory of .tf sources")
    if (variables or var_files) and not (hcl_mode or source_dir):
        raise CliError("--var/--var-file apply to .tf sources: give a directory as PATH, or --source-dir with a plan")
    var_values = _parse_vars(variables)

    rules = _all_rules()
    rule_catalog = [r.id for r in rules]
    if rule_ids:
        known = {r.id: r for r in rules}
        wanted = []
        for rid in rule_ids:
            rid_u = rid.strip().upper()
            if rid_u not in known:
                raise _unknown_rule(rid, list(known))
            if known[rid_u] not in wanted:
                wanted.append(known[rid_u])
        rules = wanted

    from .config import load_config

    config = load_config(config_path)
    check_waiver_rules(config.waivers, rule_catalog)
    workflows = _load_workflows(workflow_files or config.workflows, config, rules if rule_ids else ())
    return Job(config, rules, rule_catalog, scope, source_dir, var_values, tuple(var_files), tuple(workflows))


def _load_workflows(files: Sequence[str], config, selected: Sequence) -> list:
    """The deploy workflows (SPEC section 11), loaded once for every PATH; a rule that needs one,
    selected with --rule while none is given, is a usage error (it would report nothing)."""
    if not files:
        needy = [r.id for r in selected if r.needs_workflow]
        if needy:
            raise CliError(f"{', '.join(needy)} judge(s) the deploy workflow: give --workflow FILE "
                           "(or workflows = [...] in the config)")
        return []
    loader = _import_loader("workflow", "--workflow")
    return [loader.load_workflow(f, config) for f in files]


def evaluate_one(path: str, job: Job):
    """Load one input into the model and evaluate it: ``(deployment, info, evaluation)``."""
    hcl_mode = path != "-" and os.path.isdir(path)
    if hcl_mode:
        from .loaders import check_source_directory

        check_source_directory(path)
        hcl = _import_loader("hcl", "HCL mode (a directory PATH)")
        loaded = hcl.load_hcl(path, job.config, scope=job.scope, variables=job.var_values, var_files=job.var_files)
    else:
        plan = _import_loader("plan", "plan input")
        loaded = plan.load_plan(path, job.config, scope=job.scope)
        if job.source_dir:
            hcl = _import_loader("hcl", "--source-dir")
            hcl.apply_sources(loaded, job.source_dir, job.config, variables=job.var_values, var_files=job.var_files)
    deployment, info = loaded
    check_waiver_rules(deployment.waivers, job.rule_catalog)  # inline waivers in the .tf sources
    deployment.workflows = list(job.workflows)
    for wf in job.workflows:  # nothing a workflow holds in a secret is printed, in any format
        deployment.redact |= wf.redact

    # rules -> waivers -> redaction (engine)
    from .engine import evaluate

    return deployment, info, evaluate(deployment, job.config, rules=job.rules)


def _check_one(path, job, pairs, recorded, allow_unknown, fail_on, no_color, verbose) -> int:
    """Load, evaluate and report one input; returns its exit code."""
    # 2.-3. the model, rules -> waivers -> redaction, the baseline, the exit code
    deployment, info, evaluation = evaluate_one(path, job)
    outcome = None
    if recorded is not None:
        from .baseline import apply

        outcome = apply(evaluation.results, recorded)
        evaluation.results = outcome.results
    exit_code = evaluation.exit_code(allow_unknown=allow_unknown, fail_on=fail_on.lower())
    report = build_report(deployment, info, evaluation.results, exit_code, allow_unknown, job.config, baseline=outcome)

    # 4. render everything first, then write: a rendering error writes nothing
    from .reporters import render

    color = use_color(no_color)
    rendered: list[tuple[str | None, bytes]] = []
    for fmt, out_path in pairs:
        options: dict[str, Any] = {}
        if fmt == "text":
            options = {"color": color and out_path is None, "verbose": verbose}
        rendered.append((out_path, _encode(render(fmt, report, **options))))
    for out_path, data in rendered:
        if out_path is not None:
            try:
                write_atomic(out_path, data)
            except OSError as exc:
                raise CliError(f"cannot write {out_path}: {exc.strerror or type(exc).__name__}") from None
    for out_path, data in rendered:
        if out_path is None:
            _write_stdout(data)
    return exit_code


def check_waiver_rules(waivers: Sequence, rule_catalog: Sequence[str]) -> None:
    """Every waiver names a rule that exists (a glob: at least one); else exit 2 naming it.

    Done here, where the rule catalog is known: the config and the loaders
    that read waivers never import the rules.
    """
    known = set(rule_catalog)
    for waiver in waivers:
        rule_id = str(waiver.rule)
        if rule_id in known:
            continue
        if any(c in rule_id for c in "*?[") and any(fnmatch.fnmatchcase(k, rule_id) for k in known):
            continue
        import difflib

        close = difflib.get_close_matches(rule_id, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        where = f"{waiver.origin}: " if getattr(waiver, "origin", "") else ""
        raise CliError(
            f"{where}a waiver names rule {rule_id!r}, which does not exist{hint} ('{PROG} rules' lists them)"
        )


def _import_loader(name: str, what: str):
    try:
        return importlib.import_module(f"ctj_policy.loaders.{name}")
    except ModuleNotFoundError as exc:
        if _debug():
            raise
        missing = exc.name or "a module"
        if missing.startswith("ctj_policy") or missing in ("hcl2", "jsonschema", "lark", "yaml"):
            raise CliError(f"{what} is not available in this installation (missing {missing}); reinstall ctj-policy") from None
        raise


def build_report(deployment, info, results, exit_code: int, allow_unknown: bool, config=None, baseline=None):
    """The Report every reporter renders (``results`` come redacted from the engine)."""
    from .model import Report, Result

    return Report(
        tool_name=PROG,
        tool_version=__version__,
        input=info,
        results=sorted(results, key=Result.sort_key),
        exit_code=exit_code,
        allow_unknown=allow_unknown,
        deployment=deployment,
        config=config,
        baseline=baseline,
    )


# --------------------------------------------------------------------------
# baselines (SPEC section 10)
# --------------------------------------------------------------------------


def _read_baseline(path: str | None, paths: Sequence[str]):
    """The baseline ``check`` compares with (None without one); exit 2 when it cannot be read."""
    if not path:
        return None
    if len(paths) > 1:
        raise CliError("--baseline compares one input with its baseline: give one PATH (or run once per PATH)")
    from .baseline import read

    return read(path)


# `ctj-policy baseline` takes every option of `check` that chooses or loads the input; not the report options
_REPORT_ONLY = {"paths", "formats", "outputs", "allow_unknown", "fail_on", "baseline_path", "no_color", "verbose"}


@cli.command(name="baseline", params=[
    click.Argument(["target"], metavar="TARGET"),
    click.Option(["-o", "--output", "output"], default=None, metavar="FILE",
                 help="Where to write the baseline (default: the config's `baseline`, else .ctj-policy-baseline.json; "
                      "- for stdout)."),
    *(p for p in check.params if p.name not in _REPORT_ONLY),
])
def baseline_command(target: str, output: str | None, **inputs: Any) -> None:
    """Record TARGET's failing and undecided results as a baseline for `check --baseline`.

    TARGET and the options are those of `check`. The file holds fingerprints (rule, address, what the
    finding is about): no line numbers, no file paths, no values. Exit 0 once written, 2 on an input error.
    """
    from .baseline import DEFAULT_FILE, accepted, dumps

    job = prepare((target,), **inputs)
    out_path = output or job.config.baseline or DEFAULT_FILE
    _deployment, _info, evaluation = evaluate_one(target, job)
    entries = accepted(evaluation.results)
    data = _encode(dumps(entries))
    if out_path == "-":
        _write_stdout(data)
    else:
        try:
            write_atomic(out_path, data)
        except OSError as exc:
            raise CliError(f"cannot write {out_path}: {exc.strerror or type(exc).__name__}") from None
    counts = evaluation.counts()
    noun = "entry" if len(entries) == 1 else "entries"
    where = "stdout" if out_path == "-" else out_path
    note = ""
    if evaluation.expired_waivers:
        note = f"; {len(evaluation.expired_waivers)} expired waiver(s) are not recorded and stay reported"
    click.echo(
        f"{PROG}: baseline of {len(entries)} {noun} written to {where} "
        f"({counts['fail']} failing, {counts['unknown']} undecided; {counts['pass']} passing and "
        f"{counts['waived']} waived not recorded{note})",
        err=True,
    )


@cli.command()
@click.argument("rule_id", metavar="ID")
def explain(rule_id: str) -> None:
    """Print a rule's documentation: why it exists and how to fix a failure."""
    import textwrap

    rule = _lookup_rule(rule_id)
    width = 88
    out = [f"{rule.id}: {rule.title}", f"severity: {rule.severity}"]
    if rule.checkov_id:
        out.append(f"checkov: {rule.checkov_id} (reports on {', '.join(rule.resource_types)})")
    if rule.needs_workflow:
        out.append("input: the deploy workflow (check --workflow FILE) with the Terraform; reported only when one is given")
    if rule.summary:
        out += ["", "What it does:", *textwrap.wrap(rule.summary.replace("`", ""), width, initial_indent="  ", subsequent_indent="  ")]
    out += ["", "Why:"]
    out += textwrap.wrap(rule.rationale, width, initial_indent="  ", subsequent_indent="  ") or ["  -"]
    for heading, example in (("Example (fails):", rule.bad), ("Use instead:", rule.good)):
        if example:
            out += ["", heading, textwrap.indent(example.rstrip("\n"), "    ")]
    out += ["", "How to fix:"]
    out += textwrap.wrap(rule.remediation, width, initial_indent="  ", subsequent_indent="  ") or ["  -"]
    out += ["", f"More: {rule.doc_link}"]
    click.echo("\n".join(out))


@cli.command(name="rules")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List the rules: ID, severity, title."""
    rules = _all_rules()
    if fmt.lower() == "json":
        doc = {
            "schema_version": 1,
            "tool": {"name": PROG, "version": __version__},
            "rules": [
                {
                    "id": r.id,
                    "title": r.title,
                    "severity": r.severity,
                    "rationale": r.rationale,
                    "remediation": r.remediation,
                    "link": r.doc_link,
                }
                for r in rules
            ],
        }
        _write_stdout(_encode(json.dumps(doc, indent=2, ensure_ascii=False) + "\n"))
        return
    id_w = max([len("ID"), *(len(r.id) for r in rules)])
    sev_w = max([len("SEVERITY"), *(len(r.severity) for r in rules)])
    lines = [f"{'ID':<{id_w}}  {'SEVERITY':<{sev_w}}  TITLE"]
    lines += [f"{r.id:<{id_w}}  {r.severity:<{sev_w}}  {r.title}" for r in rules]
    click.echo("\n".join(lines))


@cli.command()
def version() -> None:
    """Print the version."""
    click.echo(f"{PROG} {__version__}")


# --------------------------------------------------------------------------
# optional subcommands from other modules (the Checkov integration)
# --------------------------------------------------------------------------


def _register_plugins(group: click.Group) -> None:
    """Let ``ctj_policy.checkov.command.register(group)`` add ``ctj-policy checkov``."""
    try:
        spec = importlib.util.find_spec("ctj_policy.checkov.command")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return
    try:
        module = importlib.import_module("ctj_policy.checkov.command")
        register = getattr(module, "register", None)
        if callable(register):
            register(group)
    except Exception as exc:  # a broken plugin must not break `check`
        if _debug():
            raise
        reason = type(exc).__name__

        @group.command(
            name="checkov",
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
            add_help_option=False,
        )
        def checkov_unavailable() -> None:
            """(unavailable: the Checkov integration failed to load)"""
            raise CliError(f"the Checkov integration could not be loaded ({reason}); set {DEBUG_ENV}=1 for details")


_register_plugins(cli)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name=PROG)


if __name__ == "__main__":  # pragma: no cover
    main()
