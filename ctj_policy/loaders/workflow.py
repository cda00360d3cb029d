"""A GitHub Actions workflow file -> :class:`ctj_policy.workflow_model.Workflow`.

Entry point: ``load_workflow(path, config=None) -> Workflow`` (``InputError``
with one line for a missing or unreadable file, bad YAML, or YAML that is not
a workflow).  PyYAML is imported here, inside the function, so a check without
``--workflow`` never loads it.

The file is read as data with PyYAML's safe loader (a subclass that records
line numbers; ``on:`` parses as ``True``).  Per job (one per matrix
combination) and step, in order:

* ``env`` of the workflow, job and step, and ``${{ ... }}`` expressions:
  ``env.X``, ``matrix.X`` and step outputs the file sets are resolved;
  ``secrets.X``, ``github.sha``, ``vars.X``, the ECR login's ``registry``... stay
  symbolic (:class:`~ctj_policy.workflow_model.Symbol`); anything else is
  :class:`~ctj_policy.model.Unknown` saying what is missing;
* ``run:`` scripts go through the shell lexer (``ctj_policy.loaders.shell``)
  and ``ctj_policy.loaders.workflow_run`` (docker build/push/tag,
  aws ecs update-service, ``>> $GITHUB_OUTPUT``...);
* known actions: docker/build-push-action, aws-actions/configure-aws-credentials,
  amazon-ecr-login, amazon-ecs-deploy-task-definition, amazon-ecs-render-task-definition.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import NOT_EVALUATED, UNRESOLVED, Unknown
from ..workflow_model import (
    ECR_REGISTRY,
    AwsCredentials,
    BuildArg,
    EcrLogin,
    Gap,
    ImageBuild,
    ImagePush,
    Job,
    Origin,
    Permissions,
    Redeploy,
    StaticKey,
    Step,
    Symbol,
    TaskDefinitionRender,
    Workflow,
    literal_prefix,
    parse_image,
    show,
    split_all,
    split_once,
    strip_value,
)
from . import InputError
from .workflow_expr import RUNNER_ENV, Scope, resolve, scalar_text, source_kind
from .workflow_run import ScriptRunner

MAX_MATRIX = 256  # GitHub's limit of jobs per matrix
STATIC_KEY_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
STATIC_KEY_INPUTS = ("aws-access-key-id", "aws-secret-access-key", "aws-session-token")

# actions whose effect is modelled, or that cannot build, push or deploy
_HARMLESS_ACTIONS = {
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
    "docker/login-action",
    "docker/metadata-action",
}
# an action not read whose name says it may build or push images or deploy to ECS is a Gap
_MAY_DEPLOY = re.compile(r"docker|buildah|kaniko|podman|codebuild|codedeploy|(?<![a-z])(?:ecr|ecs)(?![a-z])")


# --------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------


class YMap(dict):
    """A YAML mapping that remembers lines (1-based) and the raw text of scalar values."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.line = 0
        self.key_lines: dict = {}
        self.value_info: dict = {}  # key -> (line, style, raw scalar text or None)


class YSeq(list):
    def __init__(self, *args: Any):
        super().__init__(*args)
        self.line = 0
        self.item_lines: list = []


def _loader_class():
    import yaml

    base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

    class _Loader(base):  # type: ignore[misc, valid-type]
        pass

    def construct_map(loader, node):
        loader.flatten_mapping(node)
        out = YMap()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable key", key_node.start_mark
                ) from None
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
            raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            out.value_info[key] = (value_node.start_mark.line + 1, getattr(value_node, "style", None), raw)
        return out

    def construct_seq(loader, node):
        out = YSeq(loader.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out

    _Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    _Loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    return _Loader


_LOADER: list = []


def parse_yaml(text: str, name: str) -> Any:
    import yaml

    if not _LOADER:
        _LOADER.append(_loader_class())
    try:
        return yaml.load(text, Loader=_LOADER[0])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "cannot parse").split())
        raise InputError(f"{name}: invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {' '.join(str(exc).split())[:160]}") from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply") from None


def read_text(path: str) -> str:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return raw.decode("utf-16" if utf16 else "utf-8-sig")  # a UTF-8 BOM is dropped too
    except UnicodeDecodeError as exc:
        name = "UTF-16" if utf16 else "UTF-8"
        raise InputError(f"{path}: not {name} text (undecodable byte at offset {exc.start})") from None


def _line(mapping: Any, key: Any, default: int = 0) -> int:
    return getattr(mapping, "key_lines", {}).get(key, default)


def _value_line(mapping: Any, key: Any, default: int = 0) -> int:
    info = getattr(mapping, "value_info", {}).get(key)
    return info[0] if info else default


def _raw(mapping: YMap, key: Any) -> Any:
    """A scalar value as the text GitHub sees (``true`` stays "true"); None when absent."""
    if key not in mapping:
        return None
    info = mapping.value_info.get(key)
    if info and info[2] is not None:
        value = mapping[key]
        return "" if value is None else info[2]
    return mapping[key]


# --------------------------------------------------------------------------
# the workflow
# --------------------------------------------------------------------------


def _permissions(value: Any, owner: Any, key: str) -> Permissions | None:
    if key not in owner:
        return None
    line = _line(owner, key)
    if isinstance(value, str) and value in ("read-all", "write-all"):
        return Permissions(line, preset=value)
    if isinstance(value, dict):
        scopes = tuple(
            (str(k), str(v), _line(value, k, line)) for k, v in value.items() if isinstance(v, str)
        )
        return Permissions(line, scopes=scopes)
    if value is None:
        return Permissions(line)  # `permissions:` with nothing: every scope none
    return Permissions(line, preset=Unknown(UNRESOLVED, "permissions", f"unreadable permissions value at line {line}"))


def _triggers(doc: YMap) -> tuple[str, ...]:
    on = doc.get(True, doc.get("on"))
    if isinstance(on, str):
        return (on,)
    if isinstance(on, list):
        return tuple(str(x) for x in on)
    if isinstance(on, dict):
        return tuple(str(k) for k in on)
    return ()


def _matrix_combos(strategy: Any, label: str) -> list[Any]:
    """The matrix combinations of a job: [None] without a matrix, [Unknown] when not expandable."""
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    if matrix is None:
        return [None]
    if not isinstance(matrix, dict):
        return [Unknown(NOT_EVALUATED, f"matrix of job {label}", "the matrix is computed at run time")]
    keys = [k for k in matrix if k not in ("include", "exclude")]
    if any(not isinstance(matrix[k], list) for k in keys):
        return [Unknown(NOT_EVALUATED, f"matrix of job {label}", "a matrix dimension is computed at run time")]
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(matrix[k] for k in keys))] if keys else []
    excludes = matrix.get("exclude") or []
    includes = matrix.get("include") or []
    if not isinstance(excludes, list) or not isinstance(includes, list):
        return [Unknown(NOT_EVALUATED, f"matrix of job {label}", "include/exclude is computed at run time")]
    combos = [c for c in combos if not any(isinstance(e, dict) and all(c.get(k) == v for k, v in e.items()) for e in excludes)]
    originals = [dict(c) for c in combos]
    for inc in includes:
        if not isinstance(inc, dict):
            return [Unknown(NOT_EVALUATED, f"matrix of job {label}", "include is computed at run time")]
        matched = False
        for combo, original in zip(combos, originals, strict=False):
            if all(original.get(k, v) == v for k, v in inc.items() if k in original):
                combo.update(inc)
                matched = True
        if not matched:
            combos.append(dict(inc))
            originals.append({})
    if len(combos) > MAX_MATRIX:
        return [Unknown(NOT_EVALUATED, f"matrix of job {label}", f"{len(combos)} combinations (GitHub allows {MAX_MATRIX})")]
    return combos or [None]


def _combo_label(job_id: str, combo: Any) -> str:
    if not isinstance(combo, dict):
        return job_id
    values = [str(scalar_text(v)) if not isinstance(v, (dict, list)) else "..." for v in combo.values()]
    return f"{job_id} ({', '.join(values)})"


class _Reader:
    def __init__(self, name: str, doc: YMap, is_secret_name: Callable[[str], bool]):
        self.name = name
        self.doc = doc
        self.is_secret_name = is_secret_name
        self.wf = Workflow(path=name)
        self._seen_keys: set = set()

    # -- helpers -----------------------------------------------------------

    def origin(self, scope: Scope | None, step: str, line: int) -> Origin:
        return Origin(self.name, scope.label if scope else "(workflow)", step, line)

    def env_level(self, mapping: Any, scope: Scope | None, env_ctx: dict | None, origin: Origin) -> dict:
        """Resolve one level of ``env``; records static keys and secret values to redact."""
        out: dict = {}
        if not isinstance(mapping, dict):
            return out
        for key in mapping:
            name = str(key)
            value = resolve(_raw(mapping, key), scope, env_ctx)
            out[name] = value
            line = _line(mapping, key, origin.line)
            if isinstance(value, str) and value and self.is_secret_name(name):
                self.wf.redact.add(value)
            if name in STATIC_KEY_ENV and (name, line) not in self._seen_keys:
                self._seen_keys.add((name, line))
                if isinstance(value, str) and value:
                    self.wf.redact.add(value)
                where = Origin(origin.file, origin.job, origin.step, line)
                self.wf.static_keys.append(StaticKey(where, name, "env", source_kind(value)))
        return out

    def gap(self, origin: Origin, kind: str, what: str) -> None:
        self.wf.gaps.append(Gap(origin, kind, what))

    # -- the document ------------------------------------------------------

    def read(self) -> Workflow:
        doc, wf = self.doc, self.wf
        wf.name = doc.get("name")
        wf.triggers = _triggers(doc)
        wf.permissions = _permissions(doc.get("permissions"), doc, "permissions")
        top = self.origin(None, "", doc.line)
        self.workflow_env = self.env_level(doc.get("env"), None, None, top)
        wf.env = tuple(self.workflow_env)
        defaults = ((doc.get("defaults") or {}).get("run") or {}) if isinstance(doc.get("defaults"), dict) else {}
        jobs = doc["jobs"]
        for job_id, body in jobs.items():
            line = _line(jobs, job_id)
            if not isinstance(body, dict):
                raise InputError(f"{self.name}:{line}: job '{job_id}' is not a mapping")
            for combo in _matrix_combos(body.get("strategy"), str(job_id)):
                self.read_job(str(job_id), body, line, combo, defaults)
        return wf

    def read_job(self, job_id: str, body: YMap, line: int, combo: Any, wf_defaults: dict) -> None:
        scope = Scope(job_id, _combo_label(job_id, combo), combo)
        own = _permissions(body.get("permissions"), body, "permissions")
        job = Job(
            id=job_id,
            label=scope.label,
            line=line,
            name=body.get("name"),
            permissions=own,
            effective_permissions=own if own is not None else self.wf.permissions,
            matrix=tuple(combo.items()) if isinstance(combo, dict) else combo,
            uses=body.get("uses") if isinstance(body.get("uses"), str) else None,
        )
        self.wf.jobs.append(job)
        job_origin = Origin(self.name, scope.label, "", line)
        if job.uses:
            self.gap(job_origin, "workflow", f"job {scope.label} calls the reusable workflow {job.uses}, which is not read")
            return
        job_env = self.env_level(body.get("env"), scope, None, job_origin)
        job.env = tuple(job_env)
        defaults = dict(wf_defaults)
        job_defaults = body.get("defaults")
        if isinstance(job_defaults, dict) and isinstance(job_defaults.get("run"), dict):
            defaults.update(job_defaults["run"])
        steps = body.get("steps")
        if steps is None:
            return
        if not isinstance(steps, list):
            raise InputError(f"{self.name}:{_line(body, 'steps', line)}: steps of job '{job_id}' is not a list")
        for index, step in enumerate(steps, 1):
            item_line = steps.item_lines[index - 1] if isinstance(steps, YSeq) else line
            if not isinstance(step, dict):
                raise InputError(f"{self.name}:{item_line}: step {index} of job '{job_id}' is not a mapping")
            uses, run = step.get("uses"), step.get("run")
            if (uses is None) == (run is None):
                where = f"{self.name}:{item_line}: step {index} of job '{job_id}'"
                raise InputError(f"{where} needs exactly one of uses: or run:")
            label = str(step.get("id") or step.get("name") or f"step {index}")
            origin = Origin(self.name, scope.label, label, getattr(step, "line", item_line))
            outer = {**self.workflow_env, **job_env, **scope.dynamic_env}
            step_env = self.env_level(step.get("env"), scope, outer, origin)
            env = {**outer, **step_env}  # the env context of the step's inputs and script
            action = None
            if isinstance(uses, str):
                action = uses.split("@", 1)[0].strip().lower()
            shell = step.get("shell", defaults.get("shell"))
            record = Step(
                origin=origin,
                position=index,
                id=str(step["id"]) if step.get("id") is not None else None,
                name=step.get("name"),
                uses=uses if isinstance(uses, str) else None,
                action=action,
                run=run is not None,
                shell=shell if isinstance(shell, str) else None,
                condition=str(step["if"]) if step.get("if") is not None else None,
                env=tuple(step_env),
            )
            job.steps.append(record)
            if run is not None:
                info = step.value_info.get("run")
                if info[2] is None:
                    raise InputError(f"{self.name}:{info[0]}: run: of step {index} of job '{job_id}' is not a string")
                first = info[0] + (1 if info[1] in ("|", ">") else 0)  # a block scalar starts on the next line
                runner = ScriptRunner(self, scope, origin, {**RUNNER_ENV, **env}, env, step, defaults)
                runner.run(str(_raw(step, "run")), first)
            else:
                self.action(action, step, scope, origin, env, job)
            if record.id:
                scope.steps[record.id] = action or ""

    # -- actions -----------------------------------------------------------

    def action(self, action: str | None, step: YMap, scope: Scope, origin: Origin, env: dict, job: Job) -> None:
        if not action:
            return
        raw_with = step.get("with")
        inputs = raw_with if isinstance(raw_with, YMap) else YMap()

        def value(key: str) -> Any:
            return resolve(_raw(inputs, key), scope, env) if key in inputs else None

        def line(key: str) -> int:
            return _line(inputs, key, origin.line)

        if action.startswith("./") or action.startswith("docker://"):
            if action.startswith("./"):
                self.gap(origin, "action", f"the local action {action} is not read")
            return
        if action == "docker/build-push-action":
            self.build_push_action(inputs, value, line, scope, origin, env)
        elif action == "aws-actions/configure-aws-credentials":
            self.configure_credentials(inputs, value, line, scope, origin, job)
        elif action == "aws-actions/amazon-ecr-login":
            self.wf.ecr_logins.append(
                EcrLogin(origin, Symbol(f"steps.{step.get('id')}.outputs.registry", kind=ECR_REGISTRY)
                         if step.get("id") is not None else Symbol("amazon-ecr-login registry", kind=ECR_REGISTRY))
            )
        elif action == "aws-actions/amazon-ecs-deploy-task-definition":
            self.wf.redeploys.append(
                Redeploy(
                    origin,
                    action,
                    service=value("service"),
                    cluster=value("cluster"),
                    task_definition=value("task-definition"),
                    force_new_deployment=_bool(value("force-new-deployment")),
                    service_line=line("service"),
                    cluster_line=line("cluster"),
                )
            )
        elif action == "aws-actions/amazon-ecs-render-task-definition":
            self.wf.renders.append(
                TaskDefinitionRender(
                    origin, value("task-definition"), value("container-name"), parse_image(value("image"), line("image"))
                )
            )
        elif action not in _HARMLESS_ACTIONS and _MAY_DEPLOY.search(action):
            self.gap(origin, "action", f"the action {action} may build, push or deploy; it is not read")

    def list_input(self, inputs: YMap, key: str, value: Callable, seps: str) -> list[tuple[Any, int]]:
        """A list input (one item per line, or comma-separated): [(value, line)]."""
        if key not in inputs:
            return []
        whole = value(key)
        start = _value_line(inputs, key, _line(inputs, key))
        info = inputs.value_info.get(key)
        block = info is not None and info[1] in ("|", ">")
        out = []
        for offset, text_line in enumerate(split_all(whole, "\n")):
            for item in split_all(text_line, seps) if seps else [text_line]:
                item = strip_value(item)
                if item == "" or literal_prefix(item).startswith("#"):
                    continue
                out.append((item, start + 1 + offset if block else start + offset))
        return out

    def build_push_action(
        self, inputs: YMap, value: Callable, line: Callable, scope: Scope, origin: Origin, env: dict
    ) -> None:
        tags = tuple(parse_image(v, ln) for v, ln in self.list_input(inputs, "tags", value, ","))
        args = []
        for item, ln in self.list_input(inputs, "build-args", value, ""):
            pair = split_once(item, "=")
            name, val = (pair if pair else (item, None))
            if isinstance(name, str) and isinstance(val, str) and val and self.is_secret_name(name):
                self.wf.redact.add(val)
            args.append(BuildArg(name, val, ln))
        push = _bool(value("push")) if "push" in inputs else False
        outputs = value("outputs")
        if push is False and isinstance(outputs, str) and re.search(r"type=registry|push=true", outputs):
            push = True
        build = ImageBuild(
            origin,
            "docker/build-push-action",
            context=value("context"),
            dockerfile=value("file"),
            tags=tags,
            build_args=tuple(args),
            target=value("target"),
            push=push,
            env=tuple(sorted(env)),
        )
        self.wf.builds.append(build)
        for tag in tags:
            scope.known_images[tag.text] = (build, None)
            if push is not False:
                certain = True if push is True else push
                self.wf.pushes.append(ImagePush(origin, "docker/build-push-action", tag, build=build, certain=certain))

    def configure_credentials(
        self, inputs: YMap, value: Callable, line: Callable, scope: Scope, origin: Origin, job: Job
    ) -> None:
        keys = []
        for key in STATIC_KEY_INPUTS:
            if key in inputs:
                val = value(key)
                if isinstance(val, str) and val:
                    self.wf.redact.add(val)
                where = Origin(origin.file, origin.job, origin.step, line(key))
                keys.append(StaticKey(where, key, "with", source_kind(val)))
        self.wf.static_keys.extend(keys)
        id_token = job.permission("id-token")
        perms = job.effective_permissions
        id_line = perms.line_of("id-token") if perms is not None else None
        region = value("aws-region")
        self.wf.credentials.append(
            AwsCredentials(
                origin,
                role_to_assume=value("role-to-assume"),
                static_keys=tuple(keys),
                id_token=id_token,
                id_token_line=id_line,
                region=region,
                role_line=line("role-to-assume"),
            )
        )
        if region is not None:
            scope.dynamic_env.setdefault("AWS_REGION", region)
            scope.dynamic_env.setdefault("AWS_DEFAULT_REGION", region)


def _bool(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        return Unknown(NOT_EVALUATED, value, "expected true or false")
    return value if isinstance(value, Unknown) else Unknown(NOT_EVALUATED, show(value), "decided at run time")


def load_workflow(path: str, config: Any = None) -> Workflow:
    """The model of one workflow file (``config``: a :class:`ctj_policy.config.Config`
    whose ``is_secret_name`` decides which literal env values are redacted)."""
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file; expected a GitHub Actions workflow")
    doc = parse_yaml(text, path)
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict) or not doc["jobs"]:
        raise InputError(f"{path}: not a GitHub Actions workflow (no 'jobs' mapping)")
    if config is None:
        from ..config import DEFAULT as config
    return _Reader(path, doc, config.is_secret_name).read()
