"""``${{ }}`` expressions of a workflow, and the environment the runner provides.

``evaluate`` gives the value of one expression: a ``str`` for literals and for
what the file sets (``env.X``, ``matrix.X``, step outputs written with
``$GITHUB_OUTPUT``), a :class:`~ctj_policy.workflow_model.Symbol` for what the
runner supplies (``secrets.X``, ``github.sha``, ``vars.X``, the ECR login's
``registry``...), an :class:`~ctj_policy.model.Unknown` for anything else
(operators and functions are not evaluated).  ``resolve`` does the same for a
string with expressions in it.  Standard library only.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import NOT_EVALUATED, UNRESOLVED, Unknown
from ..workflow_model import (
    COMMIT_SHA,
    CONTEXT,
    ECR_REGISTRY,
    INPUT,
    JOB_OUTPUT,
    NUMBER,
    RUNNER_FILE,
    SECRET,
    STEP_OUTPUT,
    VARIABLE,
    ImageBuild,
    Symbol,
    concat,
)

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*'[^']*'\s*\])*")
_SEGMENT = re.compile(r"\.([\w-]+)|\[\s*'([^']*)'\s*\]")
_GITHUB_KINDS = {"sha": COMMIT_SHA, "run_number": NUMBER, "run_id": NUMBER, "run_attempt": NUMBER}
# default env the runner sets, as the expressions they equal
RUNNER_ENV = {
    "GITHUB_SHA": Symbol("github.sha", kind=COMMIT_SHA),
    "GITHUB_RUN_NUMBER": Symbol("github.run_number", kind=NUMBER),
    "GITHUB_RUN_ID": Symbol("github.run_id", kind=NUMBER),
    "GITHUB_RUN_ATTEMPT": Symbol("github.run_attempt", kind=NUMBER),
    "GITHUB_REF": Symbol("github.ref"),
    "GITHUB_REF_NAME": Symbol("github.ref_name"),
    "GITHUB_REPOSITORY": Symbol("github.repository"),
    "GITHUB_WORKSPACE": Symbol("github.workspace"),
    "GITHUB_ACTOR": Symbol("github.actor"),
    "RUNNER_TEMP": Symbol("runner.temp"),
    "CI": "true",
    "GITHUB_ACTIONS": "true",
}
for _name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_STATE"):
    RUNNER_ENV[_name] = Symbol(f"runner.files.{_name}", kind=RUNNER_FILE)


def scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return value


class Scope:
    """What expressions see in one job (one matrix combination)."""

    def __init__(self, job_id: str, label: str, matrix: Any):
        self.job_id = job_id
        self.label = label
        self.matrix = matrix  # dict | Unknown | None
        self.steps: dict[str, str] = {}  # step id -> action ("" for a run step), for steps seen so far
        self.outputs: dict[str, dict[str, Any]] = {}  # step id -> outputs the file sets
        self.dynamic_env: dict[str, Any] = {}  # written to $GITHUB_ENV by earlier steps
        self.known_images: dict[Any, tuple[ImageBuild | None, Any]] = {}  # image text -> (build, source ref)

    def step_output(self, step: str, output: str, expr: str) -> Any:
        if step not in self.steps:
            shown = "${{ " + expr + " }}"
            return Unknown(UNRESOLVED, shown, f"no step with id '{step}' runs before this one in job {self.label}")
        action = self.steps[step]
        if action == "aws-actions/amazon-ecr-login" and output == "registry":
            return Symbol(expr, kind=ECR_REGISTRY, detail=f"the ECR registry that step '{step}' logged in to")
        if output in self.outputs.get(step, {}):
            return self.outputs[step][output]
        how = f"an output of {action}" if action else "not written to $GITHUB_OUTPUT in a way the loader reads"
        return Symbol(expr, kind=STEP_OUTPUT, detail=f"output '{output}' of step '{step}' ({how})")

    def matrix_value(self, segments: list[str], expr: str) -> Any:
        if isinstance(self.matrix, Unknown):
            return self.matrix
        value: Any = self.matrix
        for seg in segments:
            if not isinstance(value, dict) or seg not in value:
                return Unknown(UNRESOLVED, expr, f"job {self.label} has no matrix value '{'.'.join(segments)}'")
            value = value[seg]
        return scalar_text(value) if not isinstance(value, (dict, list)) else Unknown(NOT_EVALUATED, expr, "not a string")


def evaluate(expr: str, scope: Scope | None, env: dict | None) -> Any:
    """The value of one ``${{ expr }}`` (``env`` None: the env context is not available here)."""
    text = expr.strip()
    shown = "${{ " + text + " }}"
    if text in ("true", "false"):
        return text
    if re.fullmatch(r"'(?:[^']|'')*'", text):
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", text):
        return text
    if not _PATH.fullmatch(text):
        return Unknown(NOT_EVALUATED, shown, "the loader evaluates only references and literals")
    head = text.split(".", 1)[0].split("[", 1)[0]
    segments = [a or b for a, b in _SEGMENT.findall(text[len(head):])]
    if head == "env" and len(segments) == 1:
        if env is None:
            return Unknown(UNRESOLVED, shown, "the env context is not available here")
        if segments[0] in env:
            return env[segments[0]]
        return Unknown(UNRESOLVED, shown, f"{segments[0]} is not set in the workflow, job or step env")
    if head == "secrets":
        return Symbol(text, kind=SECRET)
    if head == "vars":
        return Symbol(text, kind=VARIABLE)
    if head == "inputs" or text.startswith("github.event.inputs."):
        return Symbol(text, kind=INPUT)
    if head == "github":
        kind = _GITHUB_KINDS.get(segments[0] if segments else "", CONTEXT)
        if text.endswith((".head_commit.id", ".head.sha", ".after")):
            kind = COMMIT_SHA
        return Symbol(text, kind=kind)
    if head == "needs":
        return Symbol(text, kind=JOB_OUTPUT)
    if head == "steps" and scope is not None:
        if len(segments) == 3 and segments[1] == "outputs":
            return scope.step_output(segments[0], segments[2], text)
        return Symbol(text, kind=CONTEXT)
    if head == "matrix" and scope is not None and segments:
        if scope.matrix is None:
            return Unknown(UNRESOLVED, shown, f"job {scope.label} has no matrix")
        return scope.matrix_value(segments, shown)
    if head in ("runner", "job", "strategy", "jobs", "steps"):
        return Symbol(text, kind=CONTEXT)
    return Unknown(NOT_EVALUATED, shown, f"the '{head}' context is not known to the loader")


def resolve(text: Any, scope: Scope | None, env: dict | None) -> Any:
    """A string with ``${{ }}`` expressions -> str / Symbol / Template / Unknown."""
    text = scalar_text(text)
    if not isinstance(text, str):
        return Unknown(NOT_EVALUATED, type(text).__name__, "expected a string")
    if "${{" not in text:
        return text
    parts: list = []
    pos = 0
    for m in EXPRESSION.finditer(text):
        parts.append(text[pos:m.start()])
        parts.append(evaluate(m.group(1), scope, env))
        pos = m.end()
    parts.append(text[pos:])
    return concat(parts)


def source_kind(value: Any) -> str:
    """Where a value comes from, for a StaticKey: never the value itself."""
    if isinstance(value, Symbol) and value.kind in (SECRET, VARIABLE):
        return value.kind
    if isinstance(value, str):
        return "literal"
    return "expression"
