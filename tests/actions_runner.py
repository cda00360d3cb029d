"""A small stand-in for the GitHub Actions runner, enough to run ``action.yml``'s steps here.

It evaluates the expressions the action uses (``${{ inputs.x }}``, ``steps.id.outputs.y``,
``github.*``, ``runner.temp``, ``==``/``!=``/``&&``/``||``/``!``, ``always()``/``success()``/``failure()``),
runs every ``run:`` step the way GitHub does (``bash --noprofile --norc -eo pipefail`` on a script file,
a fresh ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` per step, the step's ``env:`` and
``working-directory``), and records ``uses:`` steps with their evaluated ``with:`` instead of running
them. A broken script, a wrong output name or a wrong condition fails here, not on GitHub.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# --------------------------------------------------------------------------- expressions

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse expression at {text[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _truthy(v: Any) -> bool:
    return v not in (None, False, "", 0)


def _loose(v: Any) -> Any:
    """GitHub compares strings case-insensitively and coerces null to ''."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).lower()


class Expression:
    def __init__(self, text: str, context: dict, status: str):
        self.toks = _tokens(text)
        self.i = 0
        self.ctx = context
        self.status = status  # "success" | "failure"

    def value(self) -> Any:
        v = self._or()
        if self.i != len(self.toks):
            raise ValueError(f"trailing tokens {self.toks[self.i:]}")
        return v

    def _peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def _or(self) -> Any:
        v = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            rhs = self._and()
            v = v if _truthy(v) else rhs
        return v

    def _and(self) -> Any:
        v = self._cmp()
        while self._peek() == ("op", "&&"):
            self._take()
            rhs = self._cmp()
            v = rhs if _truthy(v) else v
        return v

    def _cmp(self) -> Any:
        v = self._unary()
        if self._peek() in (("op", "=="), ("op", "!=")):
            op = self._take()[1]
            rhs = self._unary()
            eq = _loose(v) == _loose(rhs)
            return eq if op == "==" else not eq
        return v

    def _unary(self) -> Any:
        if self._peek() == ("op", "!"):
            self._take()
            return not _truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind == "op" and text == "(":
            v = self._or()
            assert self._take() == ("op", ")")
            return v
        if kind == "id":
            if self._peek() == ("op", "("):
                self._take()
                assert self._take() == ("op", ")"), "only argument-less functions are supported"
                return {"always": True, "success": self.status == "success", "failure": self.status == "failure",
                        "cancelled": False}[text]
            if text in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[text]
            v: Any = self.ctx
            for part in text.split("."):
                v = v.get(part) if isinstance(v, dict) else None
            return v
        raise ValueError(f"unexpected token {text!r}")


def evaluate(text: str, context: dict, status: str = "success") -> Any:
    return Expression(text, context, status).value()


def substitute(value: Any, context: dict) -> str:
    """A YAML value with ``${{ }}`` templates, as the runner passes it (always a string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)

    def one(m: re.Match) -> str:
        v = evaluate(m.group(1), context)
        if v is None:
            return ""
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


# --------------------------------------------------------------------------- the runner


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` ... ``DELIM`` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1 : j])
            i = j + 1
            continue
        if line:
            name, _, value = line.partition("=")
            out[name] = value
        i += 1
    return out


@dataclass
class StepRun:
    name: str
    id: str | None
    ran: bool
    uses: str | None = None
    with_: dict = field(default_factory=dict)
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict = field(default_factory=dict)
    summary: str = ""
    env: dict = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    failed: bool

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)

    def named(self, fragment: str) -> StepRun:
        return next(s for s in self.steps if fragment in s.name)

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)

    @property
    def log(self) -> str:
        return "".join(s.stdout + s.stderr for s in self.steps)


def run_action(action_dir: Path, inputs: dict[str, Any], *, workspace: Path, runner_temp: Path,
               github: dict | None = None, env: dict | None = None, timeout: int = 600) -> ActionRun:
    action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    github_ctx = {
        "action_path": str(action_dir),
        "workspace": str(workspace),
        "token": "fake-token",
        "repository": "hackforla/incubator",
        "server_url": "https://github.com",
        "run_id": "4242",
        "event_name": "pull_request",
        "event": {},
        **(github or {}),
    }
    ctx: dict[str, Any] = {"github": github_ctx, "runner": {"temp": str(runner_temp)}, "steps": {}, "inputs": {}}
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {sorted(unknown)}"
    for name, spec in declared.items():
        given = inputs.get(name)
        ctx["inputs"][name] = substitute(given, ctx) if name in inputs else substitute(spec.get("default", ""), ctx)

    base_env = {
        **os.environ,
        **(env or {}),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_ACTION_PATH": str(action_dir),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": github_ctx["repository"],
        "GITHUB_SERVER_URL": github_ctx["server_url"],
        "GITHUB_RUN_ID": github_ctx["run_id"],
        "GITHUB_EVENT_NAME": github_ctx["event_name"],
        "RUNNER_TEMP": str(runner_temp),
    }
    for var in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "FORCE_COLOR"):
        base_env.pop(var, None)

    runs: list[StepRun] = []
    status = "success"
    for n, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {n}")
        cond = step.get("if", "success()")
        cond = cond.strip()
        if cond.startswith("${{") and cond.endswith("}}"):
            cond = cond[3:-2]
        if not re.search(r"\b(always|success|failure|cancelled)\(\)", cond):
            cond = f"success() && ({cond})"
        if not _truthy(evaluate(cond, ctx, status)):
            runs.append(StepRun(name, step.get("id"), ran=False, uses=step.get("uses")))
            continue
        if "uses" in step:
            with_ = {k: substitute(v, ctx) for k, v in (step.get("with") or {}).items()}
            runs.append(StepRun(name, step.get("id"), ran=True, uses=step["uses"], with_=with_))
            continue
        assert step.get("shell") == "bash", f"{name}: composite run steps need shell: bash"
        tmp = runner_temp / "_runner" / f"step{n}"
        tmp.mkdir(parents=True, exist_ok=True)
        script, output, summary = tmp / "script.sh", tmp / "output", tmp / "summary"
        script.write_text(step["run"], encoding="utf-8")
        output.write_text("")
        summary.write_text("")
        step_env = {k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()}
        cwd = workspace / substitute(step.get("working-directory", "."), ctx)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env={**base_env, **step_env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        outs = read_outputs(output)
        if step.get("id"):
            ctx["steps"][step["id"]] = {"outputs": outs, "outcome": "success" if proc.returncode == 0 else "failure"}
        runs.append(StepRun(name, step.get("id"), True, None, {}, proc.returncode, proc.stdout, proc.stderr, outs,
                            summary.read_text(encoding="utf-8"), step_env))
        if proc.returncode != 0:
            status = "failure"
    outputs = {k: substitute(v.get("value", ""), ctx) for k, v in (action.get("outputs") or {}).items()}
    return ActionRun(runs, outputs, failed=status == "failure")
