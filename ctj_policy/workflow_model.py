"""The model of a GitHub Actions deploy workflow (SPEC section 11).

``ctj_policy.loaders.workflow.load_workflow`` turns a workflow file into a
:class:`Workflow`; the lockstep rules (CTJ040-CTJ044) are pure functions of it
and of the Terraform :class:`~ctj_policy.model.Deployment`.  Standard library
only, like ``ctj_policy.model``.

Values
------
Every value read from the workflow is one of

* a ``str`` when the file states it (after resolving ``env``, ``${{ env.X }}``,
  ``$X`` / ``${X}`` and step outputs written in the file);
* a :class:`Symbol` when the runner supplies it and the file only names it:
  ``${{ steps.login.outputs.registry }}`` (an ECR registry), ``${{ secrets.X }}``
  (a secret: its value is never read), ``${{ github.sha }}`` / ``$GITHUB_SHA``
  (a commit SHA), ``${{ vars.X }}``...  A Symbol is a :class:`~ctj_policy.model.Ref`,
  so ``is_known`` / ``same_value`` / ``first_unknown`` treat it as "identity
  known, value not";
* a :class:`~ctj_policy.model.Template` of literal text and symbolic parts
  (``"${{ steps.login.outputs.registry }}/civic-tech-jobs-backend:stage"``);
* an :class:`~ctj_policy.model.Unknown` saying what is missing (an unset
  variable, a command substitution, an expression that is not evaluated).

Like the rest of the model, symbolic values refuse truth-testing.  Use
:func:`matches_literal` to compare with a literal (it knows that a commit SHA
is never ``stage``) and :func:`show` to print one the way the workflow writes it.

Records
-------
The facts are ``NamedTuple`` records (immutable, compared by value), not frozen
dataclasses: a dataclass generates and compiles its methods when its module is
imported, and a dozen of them cost more than the whole 50 ms budget of the
loader on a busy CI machine; a NamedTuple costs a small fraction of that.
(``Workflow`` and ``Job``, which the loader fills in, are plain dataclasses.)

Locations
---------
Each fact carries an :class:`Origin`: the workflow file, the job and step it
comes from and the 1-based line (the shell command's own line inside a ``run:``
script, else the step's first line).  Sub-values that matter for a message
carry their own ``line`` (a tag of ``tags:``, a ``--build-arg``, a static key).
``Origin.location`` / ``Origin.at(line)`` give a :class:`~ctj_policy.model.Location`
and ``Origin.label`` the ``job/step`` name of a ``Subject("workflow", ...)``.
"""

# no `from __future__ import annotations`: typing.NamedTuple would compile every string annotation at import

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .model import UNRESOLVED, Location, Ref, Template, Unknown, is_symbolic

# --------------------------------------------------------------------------
# symbolic values
# --------------------------------------------------------------------------

# kinds of Symbol
ECR_REGISTRY = "ecr_registry"  # the `registry` output of an aws-actions/amazon-ecr-login step
SECRET = "secret"  # secrets.X: the value is never read
COMMIT_SHA = "commit_sha"  # github.sha, $GITHUB_SHA: 40 hex digits
NUMBER = "number"  # github.run_number, run_id, run_attempt: digits
STEP_OUTPUT = "step_output"  # steps.S.outputs.O that the file does not set
JOB_OUTPUT = "job_output"  # needs.J.outputs.O
VARIABLE = "variable"  # vars.X (a repository/organization variable)
INPUT = "input"  # inputs.X (workflow_dispatch / workflow_call)
CONTEXT = "context"  # any other github.* / runner.* / job.* value
RUNNER_FILE = "runner_file"  # $GITHUB_OUTPUT, $GITHUB_ENV, ...: files the runner reads after the step
SYMBOL_KINDS = (ECR_REGISTRY, SECRET, COMMIT_SHA, NUMBER, STEP_OUTPUT, JOB_OUTPUT, VARIABLE, INPUT, CONTEXT, RUNNER_FILE)

# what the runner's value looks like, when that is known (used by matches_literal)
SHAPES = {COMMIT_SHA: "[0-9a-f]{40}", NUMBER: "[0-9]+"}


@dataclass(frozen=True)
class Symbol(Ref):
    """A value the runner supplies, named by its expression (``address``), e.g.
    ``steps.ecr.outputs.registry``.  Two symbols are the same value iff they
    name the same expression.  ``detail`` says where it comes from."""

    kind: str = CONTEXT
    detail: str = field(default="", compare=False)


def show(value: Any) -> str:
    """A value as the workflow would write it: ``${{ steps.ecr.outputs.registry }}/repo:stage``.
    Never call it on a value whose name looks secret: use the name instead."""
    if isinstance(value, Symbol):
        return "${{ " + value.address + " }}"
    if isinstance(value, Template):
        return "".join(show(p) for p in value.parts)
    if isinstance(value, Unknown):
        return "<" + (value.where or "unknown") + ">"
    if isinstance(value, Ref):
        return "${" + value.describe() + "}"
    if value is None:
        return "(not set)"
    return str(value)


def concat(parts: Any) -> Any:
    """Join values (str / Symbol / Unknown / Template) into one: a ``str`` when all
    are known, the single symbolic value when there is only one, else a Template."""
    out: list = []
    for part in parts:
        items = part.parts if isinstance(part, Template) else (part,)
        for item in items:
            if isinstance(item, str):
                if not item:
                    continue
                if out and isinstance(out[-1], str):
                    out[-1] += item
                    continue
            elif item is None:
                continue
            out.append(item)
    if not out:
        return ""
    if len(out) == 1:
        return out[0]
    return Template(tuple(out))


def _atoms(value: Any) -> list:
    """The value as a list of single characters and symbolic parts."""
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Template):
        out: list = []
        for part in value.parts:
            out.extend(_atoms(part))
        return out
    return [value]


def split_all(value: Any, seps: str) -> list:
    """Split a value at every literal occurrence of any character of ``seps``."""
    pieces: list[list] = [[]]
    for atom in _atoms(value):
        if isinstance(atom, str) and atom in seps:
            pieces.append([])
        else:
            pieces[-1].append(atom)
    return [concat(p) for p in pieces]


def split_once(value: Any, sep: str) -> tuple[Any, Any] | None:
    """``(left, right)`` around the first literal ``sep`` (one character), or None."""
    atoms = _atoms(value)
    for i, atom in enumerate(atoms):
        if isinstance(atom, str) and atom == sep:
            return concat(atoms[:i]), concat(atoms[i + 1:])
    return None


def literal_prefix(value: Any) -> str:
    """The known text a value starts with ("" when it starts with a symbolic part)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template) and isinstance(value.parts[0], str):
        return value.parts[0]
    return ""


def strip_value(value: Any) -> Any:
    """Strip surrounding whitespace from the literal ends of a value."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Template):
        parts = list(value.parts)
        if isinstance(parts[0], str):
            parts[0] = parts[0].lstrip()
        if isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip()
        return concat(parts)
    return value


def matches_literal(value: Any, text: str) -> bool | None:
    """Can ``value`` be exactly ``text``?  True when it is that known string,
    False when no run-time value can make it so (``stage-${{ github.sha }}`` or
    a bare commit SHA is never ``stage``), None when it depends on the run."""
    if isinstance(value, str):
        return value == text
    if value is None:
        return False
    if not is_symbolic(value):
        return False
    parts = value.parts if isinstance(value, Template) else (value,)
    pattern = "".join(
        re.escape(p) if isinstance(p, str) else "(?:" + SHAPES.get(getattr(p, "kind", ""), ".*") + ")" for p in parts
    )
    return None if re.fullmatch(pattern, text, re.DOTALL) else False


# --------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------


class Origin(NamedTuple):
    """Where a fact comes from: the workflow file, job, step and 1-based line."""

    file: str
    job: str  # job id; a matrix job adds its values: "build (frontend)"
    step: str  # step id, else its name, else "step N" (1-based); "" for a job-level fact
    line: int

    @property
    def label(self) -> str:
        """``job/step``: the name of a ``Subject("workflow", ...)``."""
        return f"{self.job}/{self.step}" if self.step else self.job

    @property
    def location(self) -> Location:
        return Location(self.file, self.line)

    def at(self, line: int | None) -> Location:
        """A location in the same file (this fact's own line when ``line`` is falsy)."""
        return Location(self.file, line or self.line)


# --------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------

_ECR_HOST = re.compile(r"[0-9]{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?")


class ImageRef(NamedTuple):
    """An image reference ``[registry/]repository[:tag][@digest]``.

    ``registry`` is None when the reference has no registry part (Docker Hub);
    ``tag`` is None when it has none (Docker uses ``latest``).  When a symbolic
    part spans what might be registry and repository (``$IMAGE:stage``),
    ``registry`` is Unknown and ``repository`` holds that part.
    """

    text: Any  # the whole reference
    registry: Any = None
    repository: Any = None
    tag: Any = None
    digest: Any = None
    line: int = 0

    @property
    def is_ecr(self) -> bool | None:
        """Is the registry a private ECR registry?  None when that is not known."""
        reg = self.registry
        if isinstance(reg, Symbol) and reg.kind == ECR_REGISTRY:
            return True
        if reg is None:
            return False
        if isinstance(reg, str):
            return bool(_ECR_HOST.fullmatch(reg.lower()))
        return None

    def describe(self) -> str:
        return show(self.text)


def parse_image(value: Any, line: int = 0) -> ImageRef:
    """Split an image reference (str, Template or symbolic value) into its parts."""
    value = strip_value(value)
    atoms = _atoms(value)
    if not any(isinstance(a, str) for a in atoms) and atoms:
        if len(atoms) == 1 and isinstance(atoms[0], Unknown):
            missing = atoms[0]  # it says what is missing
        else:
            why = "the whole image reference is a run-time value"
            if len(atoms) == 1 and getattr(atoms[0], "detail", ""):
                why += f": {atoms[0].detail}"
            missing = Unknown(UNRESOLVED, show(value), why)
        return ImageRef(value, missing, missing, missing, None, line)
    digest = None
    at = next((i for i, a in enumerate(atoms) if a == "@"), None)
    if at is not None:
        digest = concat(atoms[at + 1:])
        atoms = atoms[:at]
    last_slash = max((i for i, a in enumerate(atoms) if a == "/"), default=-1)
    colon = next((i for i in range(len(atoms) - 1, last_slash, -1) if atoms[i] == ":"), None)
    tag = None
    if colon is not None:
        tag = concat(atoms[colon + 1:])
        atoms = atoms[:colon]
    first_slash = next((i for i, a in enumerate(atoms) if a == "/"), None)
    if first_slash is None:
        if all(isinstance(a, str) for a in atoms):
            return ImageRef(value, None, concat(atoms), tag, digest, line)
        path = concat(atoms)
        registry = Unknown(UNRESOLVED, show(path), f"cannot tell whether {show(path)} names a registry")
        return ImageRef(value, registry, path, tag, digest, line)
    head = atoms[:first_slash]
    head_text = concat(head)
    symbolic_head = any(not isinstance(a, str) for a in head)
    if symbolic_head or (isinstance(head_text, str) and ("." in head_text or ":" in head_text or head_text == "localhost")):
        return ImageRef(value, head_text, concat(atoms[first_slash + 1:]), tag, digest, line)
    return ImageRef(value, None, concat(atoms), tag, digest, line)


# --------------------------------------------------------------------------
# facts
# --------------------------------------------------------------------------


class BuildArg(NamedTuple):
    """A build argument.  ``from_env``: written ``--build-arg NAME`` without a value,
    so Docker takes the value from the build command's environment (``value`` is
    that value, None when the environment does not set it: the arg is then not passed)."""

    name: Any
    value: Any
    line: int
    from_env: bool = False


class ImageBuild(NamedTuple):
    """``docker build`` / ``docker buildx build`` / ``docker/build-push-action``."""

    origin: Origin
    tool: str  # "docker build" | "docker buildx build" | "docker/build-push-action"
    context: Any  # path or URL; None = the action's default Git context
    dockerfile: Any = None  # None = "Dockerfile" in the context
    tags: tuple[ImageRef, ...] = ()
    build_args: tuple[BuildArg, ...] = ()
    target: Any = None
    push: Any = False  # the build pushes its own tags: True/False, or Unknown (an expression decides)
    env: tuple[str, ...] = ()  # names (never values) of the env the build step sees
    working_directory: Any = None  # None = the workspace
    unresolved_args: tuple[Any, ...] = ()  # whole arguments whose text is not known (they may be options)

    def build_arg(self, name: str) -> BuildArg | None:
        for arg in self.build_args:
            if arg.name == name:
                return arg
        return None


class ImagePush(NamedTuple):
    """An image pushed to a registry (``docker push``, ``--push``, the action's ``push: true``,
    ``aws ecr put-image``).  ``build``: the build of this workflow that produced the
    image (directly or through ``docker tag``), None when it was not built here
    (pulled, or built in a way the loader cannot see); ``source``: the reference it
    was ``docker tag``-ged from; ``certain``: True, or Unknown when an expression
    decides whether the push happens."""

    origin: Origin
    tool: str
    image: ImageRef
    build: ImageBuild | None = None
    source: ImageRef | None = None
    certain: Any = True


class ImageTag(NamedTuple):
    """``docker tag SOURCE TARGET``."""

    origin: Origin
    source: ImageRef
    target: ImageRef


_ARN_TAIL = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:[^:]*:([a-z-]+)/(.+)$")


def _arn_name(value: Any, resource: str) -> Any:
    if isinstance(value, str):
        m = _ARN_TAIL.match(value)
        if m and m.group(1) == resource:
            return m.group(2).split("/")[-1]
    return value


class Redeploy(NamedTuple):
    """A redeploy of an ECS service: ``aws ecs update-service`` / ``aws ecs deploy`` /
    ``aws-actions/amazon-ecs-deploy-task-definition``."""

    origin: Origin
    tool: str
    service: Any  # name or ARN; None = not given (the action then only registers the task definition)
    cluster: Any = None  # name or ARN; None = not given (ECS uses the cluster named "default")
    task_definition: Any = None  # None = the service keeps its task definition
    force_new_deployment: Any = None  # True / False / None (not given)
    service_line: int = 0
    cluster_line: int = 0

    @property
    def service_name(self) -> Any:
        """The service name (the last part of a service ARN)."""
        return _arn_name(self.service, "service")

    @property
    def cluster_name(self) -> Any:
        """The cluster name (the last part of a cluster ARN); "default" when not given."""
        return "default" if self.cluster is None else _arn_name(self.cluster, "cluster")


class StaticKey(NamedTuple):
    """A long-lived AWS key given to the workflow: an input of configure-aws-credentials
    (``via="with"``), an ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``
    env entry (``via="env"``) or ``aws configure set`` (``via="aws configure"``).
    Holds where the value comes from, never the value."""

    origin: Origin  # line = the input's / env entry's own line
    name: str  # "aws-access-key-id", "AWS_SECRET_ACCESS_KEY", ...
    via: str
    source: str  # "secret" | "variable" | "literal" | "expression"


class AwsCredentials(NamedTuple):
    """An ``aws-actions/configure-aws-credentials`` step."""

    origin: Origin
    role_to_assume: Any = None  # role name or ARN as written; None = not given
    static_keys: tuple[StaticKey, ...] = ()
    id_token: Any = "none"  # the job token's id-token permission: "write" | "none" | Unknown
    id_token_line: int | None = None  # where that permission is stated; None = not stated (default none)
    region: Any = None
    role_line: int = 0

    @property
    def role_name(self) -> Any:
        """The role's name: the last part of a role ARN's path, or the name as written."""
        return _arn_name(self.role_to_assume, "role")


class EcrLogin(NamedTuple):
    """A log-in to ECR (aws-actions/amazon-ecr-login); ``registry`` is its output."""

    origin: Origin
    registry: Any


class TaskDefinitionRender(NamedTuple):
    """``aws-actions/amazon-ecs-render-task-definition``: a container's image set in a task definition file."""

    origin: Origin
    task_definition: Any
    container_name: Any
    image: ImageRef


class Gap(NamedTuple):
    """Something that may build, push or redeploy but that the loader cannot read
    (a script file, ``docker compose push``, a reusable workflow, a PowerShell step...).
    Kinds: "docker", "ecs", "script", "shell", "action", "workflow"."""

    origin: Origin
    kind: str
    what: str


# --------------------------------------------------------------------------
# structure
# --------------------------------------------------------------------------

# scopes GitHub knows; a permissions mapping sets every scope it does not name to "none"
DEFAULT_LEVELS_ID_TOKEN = "none"  # id-token is "none" by default in both the permissive and restricted settings


class Permissions(NamedTuple):
    """A ``permissions`` key (workflow or job level)."""

    line: int
    scopes: tuple[tuple[str, str, int], ...] = ()  # (scope, level, line) as written
    preset: Any = None  # "read-all" | "write-all" | None (a mapping) | Unknown (an unreadable value)

    def level(self, scope: str) -> Any:
        """``"read"`` / ``"write"`` / ``"none"``, or Unknown."""
        if isinstance(self.preset, Unknown):
            return self.preset
        if self.preset == "write-all":
            return "write"
        if self.preset == "read-all":
            return "none" if scope == "id-token" else "read"  # id-token has no read level
        for name, level, _ in self.scopes:
            if name == scope:
                return level
        return "none"

    def line_of(self, scope: str) -> int:
        for name, _, line in self.scopes:
            if name == scope:
                return line
        return self.line


class Step(NamedTuple):
    origin: Origin  # line = the step's first line
    position: int  # 1-based within the job
    id: str | None = None
    name: str | None = None
    uses: str | None = None  # as written: "aws-actions/configure-aws-credentials@v4"
    action: str | None = None  # lower-cased, without @ref: "aws-actions/configure-aws-credentials"
    run: bool = False  # a `run:` step
    shell: str | None = None
    condition: str | None = None  # the step's `if:` as written (not evaluated)
    env: tuple[str, ...] = ()  # names of the step's own env


@dataclass
class Job:
    id: str
    label: str  # id, plus matrix values: "build (frontend)"
    line: int
    name: Any = None
    permissions: Permissions | None = None  # the job's own key
    effective_permissions: Permissions | None = None  # the job's, else the workflow's; None = neither
    matrix: Any = None  # tuple of (key, value) for a matrix job, None, or Unknown (not expandable)
    uses: str | None = None  # a reusable workflow call (its steps are not read)
    env: tuple[str, ...] = ()  # names of the job's env
    steps: list[Step] = field(default_factory=list)

    def permission(self, scope: str) -> Any:
        """The job token's level for ``scope``; without any permissions key the
        repository's default applies, known only for id-token ("none")."""
        if self.effective_permissions is not None:
            return self.effective_permissions.level(scope)
        if scope == "id-token":
            return DEFAULT_LEVELS_ID_TOKEN
        why = "no permissions key: the repository's default token permissions apply"
        return Unknown(UNRESOLVED, f"permissions.{scope}", why)


@dataclass
class Workflow:
    """One workflow file, read as data."""

    path: str
    name: Any = None
    triggers: tuple[str, ...] = ()
    permissions: Permissions | None = None
    env: tuple[str, ...] = ()  # names of the workflow-level env
    jobs: list[Job] = field(default_factory=list)  # one per matrix combination
    builds: list[ImageBuild] = field(default_factory=list)
    pushes: list[ImagePush] = field(default_factory=list)
    tags: list[ImageTag] = field(default_factory=list)
    redeploys: list[Redeploy] = field(default_factory=list)
    credentials: list[AwsCredentials] = field(default_factory=list)
    static_keys: list[StaticKey] = field(default_factory=list)  # every static key, wherever given
    ecr_logins: list[EcrLogin] = field(default_factory=list)
    renders: list[TaskDefinitionRender] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # literal values that must never be printed (static keys, secret-looking env values)
    redact: set[str] = field(default_factory=set)

    def location(self, line: int) -> Location:
        return Location(self.path, line)
