"""``run:`` scripts of a workflow step -> builds, pushes, tags, redeploys.

The runner substitutes ``${{ }}`` expressions into the script text before the
shell sees it; here a known string is substituted as text and a symbolic value
as a placeholder character (Unicode private use area) that expands back to the
value.  The script is split by :mod:`ctj_policy.loaders.shell`; words are
expanded with the step's environment and the script's own assignments
(``X=...``, ``export X=...``), unquoted expansions are split into fields, and
the commands that build, tag, push or redeploy are read:
``docker build | image build | buildx build``, ``docker push``, ``docker tag``,
``aws ecs update-service``, ``aws ecs deploy``, ``aws ecr put-image``,
``aws configure set aws_access_key_id``, ``echo k=v >> $GITHUB_OUTPUT | $GITHUB_ENV``,
``bash -c '...'``.  Scripts, ``make``, ``docker compose push`` and other tools that
may push are recorded as gaps.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model import NOT_EVALUATED, UNRESOLVED, Template, Unknown
from ..workflow_model import (
    ECR_REGISTRY,
    BuildArg,
    ImageBuild,
    ImagePush,
    ImageRef,
    ImageTag,
    Origin,
    Redeploy,
    StaticKey,
    Symbol,
    concat,
    literal_prefix,
    parse_image,
    split_once,
)
from .shell import CommandSub, Param, ShellSyntaxError, Word, split_commands
from .workflow_expr import EXPRESSION, RUNNER_ENV, evaluate, resolve, source_kind

if TYPE_CHECKING:  # pragma: no cover
    from .workflow import _Reader
    from .workflow_expr import Scope

_PLACEHOLDER_BASE = 0xE000
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_MAX_DEPTH = 3  # nested `bash -c` scripts

# docker: options that take a value (everything else is a flag)
_DOCKER_GLOBAL_VALUE = {"--config", "--context", "--host", "--log-level", "--tlscacert", "--tlscert", "--tlskey"}
_DOCKER_GLOBAL_SHORT = {"c": "--context", "H": "--host", "l": "--log-level"}
_BUILD_VALUE = {
    "--add-host", "--allow", "--annotation", "--attest", "--build-arg", "--build-context", "--builder",
    "--cache-from", "--cache-to", "--call", "--cgroup-parent", "--cpu-period", "--cpu-quota", "--cpu-shares",
    "--cpuset-cpus", "--cpuset-mems", "--file", "--iidfile", "--isolation", "--label", "--memory",
    "--memory-swap", "--metadata-file", "--network", "--no-cache-filter", "--output", "--platform", "--progress",
    "--secret", "--security-opt", "--shm-size", "--ssh", "--tag", "--target", "--ulimit",
}  # --sbom / --provenance take a value only after "="
_BUILD_SHORT = {"t": "--tag", "f": "--file", "o": "--output", "c": "--cpu-shares", "m": "--memory", "a": "--attest"}
_PUSH_VALUE = {"--platform"}
# aws: global options that take a value
_AWS_GLOBAL_VALUE = {
    "--region", "--profile", "--output", "--endpoint-url", "--query", "--color", "--cli-read-timeout",
    "--cli-connect-timeout", "--ca-bundle", "--cli-binary-format",
}
_POSIX_SHELLS = ("bash", "sh")  # the `shell:` values whose scripts are read
_WRAPPERS = {"sudo", "command", "exec", "nohup", "time", "env"}
_IMAGE_TOOLS = {"buildah", "kaniko", "executor", "crane", "skopeo", "regctl", "oras", "docker-compose", "nerdctl", "img"}


def _drop(value: Any, n: int) -> Any:
    """``value`` without its first ``n`` literal characters."""
    if isinstance(value, str):
        return value[n:]
    if isinstance(value, Template) and isinstance(value.parts[0], str):
        return concat([value.parts[0][n:], *value.parts[1:]])
    return value


def parse_options(args: list, value_longs: set, shorts: dict) -> tuple[list, list, list]:
    """pflag-style options: ``([(name, value, line)], [(positional, line)], [opaque values])``.
    A long option not in ``value_longs`` is a flag (value True) unless written ``--x=v``."""
    opts: list = []
    positionals: list = []
    opaque: list = []
    i = 0
    while i < len(args):
        val, line = args[i]
        prefix = literal_prefix(val)
        if val == "--":
            positionals.extend(args[i + 1:])
            break
        if prefix.startswith("--") and len(prefix) > 2:
            pair = split_once(val, "=")
            name, optval = pair if pair else (val, None)
            if not isinstance(name, str):
                opaque.append(val)
            else:
                if optval is None and name in value_longs:
                    if i + 1 < len(args):
                        i += 1
                        optval = args[i][0]
                    else:
                        optval = Unknown(UNRESOLVED, name, f"{name} has no value")
                opts.append((name, True if optval is None else optval, line))
        elif prefix.startswith("-") and len(prefix) > 1:
            j = 1
            while j < len(prefix):
                letter = prefix[j]
                if letter in shorts:
                    rest = _drop(val, j + 1)
                    if literal_prefix(rest).startswith("="):
                        rest = _drop(rest, 1)
                    if rest == "":
                        if i + 1 < len(args):
                            i += 1
                            rest = args[i][0]
                        else:
                            rest = Unknown(UNRESOLVED, "-" + letter, f"-{letter} has no value")
                    opts.append((shorts[letter], rest, line))
                    break
                opts.append(("-" + letter, True, line))
                j += 1
        else:
            positionals.append((val, line))
        i += 1
    return opts, positionals, opaque


def _aws_options(args: list) -> dict:
    """aws CLI options: ``{name: ([values], line)}``; a list parameter takes every value up to the next option."""
    out: dict = {}
    current = None
    for val, line in args:
        prefix = literal_prefix(val)
        if prefix.startswith("--"):
            pair = split_once(val, "=")
            name = pair[0] if pair else val
            if not isinstance(name, str):
                current = None
                continue
            out[name] = ([pair[1]] if pair else [], line)
            current = name
        elif current is not None:
            out[current][0].append(val)
    return out


class ScriptRunner:
    def __init__(
        self,
        reader: _Reader,
        scope: Scope,
        origin: Origin,
        env: dict,
        expr_env: dict,
        step: Any,
        defaults: dict,
        depth: int = 0,
    ):
        self.reader = reader
        self.expr_env = expr_env  # what ${{ env.X }} sees
        self.wf = reader.wf
        self.scope = scope
        self.origin = origin
        self.env = dict(env)  # name -> value; what $X expands to
        self.exported = set(env)  # what a child process (docker) sees
        self.step = step
        self.defaults = defaults
        self.depth = depth
        self.symbols: list = []
        self.first_line = origin.line  # where the script being read starts

    # -- script text -------------------------------------------------------

    def run(self, text: str, first_line: int) -> None:
        """Read a ``run:`` script whose first line is ``first_line`` of the file."""
        shell = self.step.get("shell", self.defaults.get("shell"))
        if isinstance(shell, str) and shell.split()[0].rsplit("/", 1)[-1] not in _POSIX_SHELLS:
            self.reader.gap(self.origin, "shell", f"a '{shell.split()[0]}' script is not read")
            return
        if _PLACEHOLDER.search(text):
            self.reader.gap(self.origin, "shell", "the script holds private-use characters; it is not read")
            return

        def substitute(m: re.Match) -> str:
            value = evaluate(m.group(1), self.scope, self.expr_env)
            if isinstance(value, str) and "\n" not in value:
                return value  # the runner substitutes the text before the shell reads it
            self.symbols.append(value)
            return chr(_PLACEHOLDER_BASE + len(self.symbols) - 1)

        self.script(EXPRESSION.sub(substitute, text), first_line)

    def script(self, text: str, first_line: int) -> None:
        self.first_line = first_line
        error = None
        try:
            commands = split_commands(text)
        except ShellSyntaxError as exc:
            error, commands = exc, exc.commands
        for cmd in commands:
            self.command(cmd, first_line + cmd.line, first_line)
        if error is not None:
            where = Origin(self.origin.file, self.origin.job, self.origin.step, first_line + error.line)
            self.reader.gap(where, "shell", f"the script cannot be read from here on: {error}")

    # -- expansion ---------------------------------------------------------

    def _literal(self, text: str) -> list:
        out: list = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            out.append(text[pos:m.start()])
            out.append(self.symbols[ord(m.group()) - _PLACEHOLDER_BASE])
            pos = m.end()
        out.append(text[pos:])
        return out

    def param(self, p: Param) -> Any:
        name = p.name
        if not name or not (name[0].isalpha() or name[0] == "_"):
            return Unknown(NOT_EVALUATED, p.text, "positional and special parameters are not known")
        value = self.env.get(name)
        if p.op == "other":
            return Unknown(NOT_EVALUATED, p.text, "parameter operations other than defaults are not evaluated")
        if p.op:
            default = concat(self.quoted_parts(p.arg))
            unset = value is None or (p.op.startswith(":") and value == "")
            if p.op in (":-", "-", ":=", "="):
                if unset:
                    if "=" in p.op:
                        self.env[name] = default
                    return default
                return value
            if p.op in (":+", "+"):
                return "" if unset else default
            if unset:  # :? / ?
                return Unknown(UNRESOLVED, p.text, f"{name} is not set (the script would stop here)")
            return value
        if value is None:
            return Unknown(UNRESOLVED, p.text, f"{name} is not set in the workflow, job or step env, nor earlier in the script")
        return value

    def substitution(self, part: CommandSub) -> Unknown:
        """A command substitution's commands run (in a subshell); its output is not known."""
        if part.body.strip() and self.depth < _MAX_DEPTH:
            inner = ScriptRunner(
                self.reader, self.scope, self.origin, self.env, self.expr_env, self.step, self.defaults, self.depth + 1
            )
            inner.symbols, inner.exported = self.symbols, set(self.exported)
            inner.script(part.body, self.first_line + part.line)
        return Unknown(NOT_EVALUATED, _short(part.text), "command substitution is not evaluated")

    def quoted_parts(self, parts: tuple) -> list:
        out: list = []
        for part in parts:
            if isinstance(part, str):
                out.extend(self._literal(part))
            elif isinstance(part, Param):
                out.append(self.param(part))
            else:
                out.append(self.substitution(part))
        return out

    def expand(self, word: Word) -> list:
        """The fields a word expands to (unquoted expansions of known text are split at blanks)."""
        fields: list[list] = [[]]
        for part in word.parts:
            if isinstance(part, str):
                fields[-1].extend(self._literal(part))
            elif isinstance(part, CommandSub):
                fields[-1].append(self.substitution(part))
            else:
                value = self.param(part)
                if part.quoted or not isinstance(value, str):
                    fields[-1].append(value)
                    continue
                for chunk in re.split(r"([ \t\n]+)", value):
                    if chunk and chunk.isspace():
                        fields.append([])
                    elif chunk:
                        fields[-1].append(chunk)
        out = [concat(f) for f in fields if f]
        out = [v for v in out if v != ""] if not word.quoted else out
        return out or ([""] if word.quoted else [])

    def assignment(self, word: Word) -> tuple[str, Any] | None:
        first = word.parts[0] if word.parts else None
        if not isinstance(first, str):
            return None
        m = _ASSIGNMENT.match(first)
        if not m:
            return None
        name = m.group().rstrip("+=")
        rest = (first[m.end():],) + word.parts[1:]
        value = concat(self.quoted_parts(rest))
        if m.group().endswith("+="):
            value = concat([self.env.get(name, ""), value])
        return name, value

    # -- commands ----------------------------------------------------------

    def command(self, cmd: Any, line: int, first_line: int) -> None:
        words = list(cmd.words)
        prefix_env: dict = {}
        while words:
            pair = self.assignment(words[0])
            if pair is None:
                break
            prefix_env[pair[0]] = pair[1]
            words.pop(0)
        if not words:  # only assignments: shell variables
            self.env.update(prefix_env)
            return
        args: list = []
        for w in words:
            args.extend((v, first_line + w.line) for v in self.expand(w))
        while args and args[0][0] in _WRAPPERS:
            wrapper = args.pop(0)[0]
            while args and (literal_prefix(args[0][0]).startswith("-") or (wrapper == "env" and _is_assignment(args[0][0]))):
                args.pop(0)
        if not args:
            return
        name = args[0][0]
        if not isinstance(name, str):
            return
        base = name.rsplit("/", 1)[-1]
        rest = args[1:]
        here = Origin(self.origin.file, self.origin.job, self.origin.step, line)
        env_seen = {k: v for k, v in self.env.items() if k in self.exported}
        env_seen.update(prefix_env)
        if base in ("docker", "podman"):
            self.docker(base, rest, here, env_seen)
        elif base == "aws":
            self.aws(rest, here)
        elif base in ("export", "declare", "typeset", "readonly", "local"):
            self.declare(base, words[1:])
        elif base == "unset":
            for val, _ in rest:
                if isinstance(val, str):
                    self.env.pop(val, None)
        elif base in ("echo", "printf"):
            self.runner_file(base, rest, cmd.redirects)
        elif base in ("bash", "sh") and rest:
            self.subshell(base, rest, here, line)
        elif base in ("source", ".") or name.startswith(("./", "../")) or (name.startswith("/") and base.endswith(".sh")):
            self.reader.gap(here, "script", f"the script {_show_args(args)} is not read")
        elif base == "make":
            self.reader.gap(here, "script", f"'{_show_args(args)}' runs a Makefile, which is not read")
        elif base in _IMAGE_TOOLS:
            self.reader.gap(here, "docker", f"'{_show_args(args)}' may build or push images; it is not read")

    def declare(self, base: str, words: list[Word]) -> None:
        export = base == "export"
        for w in words:
            text = w.literal()
            if text is not None and text.startswith("-"):
                export = export or "x" in text
                continue
            pair = self.assignment(w)
            if pair is not None:
                self.env[pair[0]] = pair[1]
                if export:
                    self.exported.add(pair[0])
            elif text and export:
                self.exported.add(text)

    def subshell(self, base: str, rest: list, here: Origin, line: int) -> None:
        opts = [v for v, _ in rest]
        c_flag = next((i for i, v in enumerate(opts) if isinstance(v, str) and v[:1] == "-" and v[1:2] != "-" and "c" in v), None)
        if c_flag is not None:  # -c, -ec, -xc ...: the next word is the script
            script = opts[c_flag + 1] if c_flag + 1 < len(opts) else None
            if isinstance(script, str) and self.depth < _MAX_DEPTH:
                inner = ScriptRunner(
                    self.reader, self.scope, here, self.env, self.expr_env, self.step, self.defaults, self.depth + 1
                )
                inner.symbols = self.symbols
                inner.exported = set(self.exported)
                inner.script(script, line)
                return
            self.reader.gap(here, "shell", f"'{base} -c' runs a script the loader cannot read")
            return
        files = [v for v in opts if not literal_prefix(v).startswith("-")]
        if files:
            self.reader.gap(here, "script", f"the script {_show_args([(base, 0), *rest])} is not read")

    def runner_file(self, base: str, rest: list, redirects: list) -> None:
        """``echo "name=value" >> "$GITHUB_OUTPUT"`` (or ``$GITHUB_ENV``)."""
        target = None
        for r in redirects:
            if r.op in (">", ">>", "1>", "1>>") and r.target is not None:
                vals = self.expand(r.target)
                if len(vals) == 1 and isinstance(vals[0], Symbol) and vals[0].kind == "runner_file":
                    target = vals[0].address.rsplit(".", 1)[-1]
        if target not in ("GITHUB_OUTPUT", "GITHUB_ENV") or base != "echo":
            return
        values = [v for v, _ in rest]
        while values and values[0] in ("-n", "-e", "-E"):
            values.pop(0)
        text = concat([x for v in values for x in (" ", v)][1:])
        pair = split_once(text, "=")
        if pair is None or not isinstance(pair[0], str) or "<<" in pair[0]:
            return
        name, value = pair[0].strip(), pair[1]
        if target == "GITHUB_ENV":
            self.scope.dynamic_env[name] = value
        elif self.step.get("id") is not None:
            self.scope.outputs.setdefault(str(self.step["id"]), {})[name] = value

    # -- docker ------------------------------------------------------------

    def docker(self, base: str, args: list, here: Origin, env_seen: dict) -> None:
        i = 0  # global options precede the subcommand
        while i < len(args) and literal_prefix(args[i][0]).startswith("-"):
            flag = args[i][0]
            takes_value = isinstance(flag, str) and "=" not in flag and (
                flag in _DOCKER_GLOBAL_VALUE or (len(flag) == 2 and flag[1] in _DOCKER_GLOBAL_SHORT)
            )
            i += 2 if takes_value else 1
        args = args[i:]
        words = [v for v, _ in args]
        sub = words[0] if words else None
        sub2 = words[1] if len(words) > 1 else None
        if sub == "build" or (sub in ("image", "builder") and sub2 == "build"):
            skip = 1 if sub == "build" else 2
            self.build(f"{base} build", args[skip:], here, env_seen)
        elif sub == "buildx" and sub2 in ("build", "b"):
            self.build(f"{base} buildx build", args[2:], here, env_seen)
        elif sub == "push" or (sub == "image" and sub2 == "push"):
            self.push(f"{base} push", args[1 if sub == "push" else 2:], here)
        elif sub == "tag" or (sub == "image" and sub2 == "tag"):
            self.tag(args[1 if sub == "tag" else 2:], here)
        elif sub == "compose" and any(w in ("build", "push", "up") for w in words):
            what = _show_args([(base, 0), *args])
            self.reader.gap(here, "docker", f"'{what}' builds or pushes compose services; it is not read")
        elif (sub == "buildx" and sub2 in ("bake", "imagetools")) or (sub == "manifest" and "push" in words):
            self.reader.gap(here, "docker", f"'{_show_args([(base, 0), *args])}' may push images; it is not read")

    def build(self, tool: str, args: list, here: Origin, env_seen: dict) -> None:
        opts, pos, opaque = parse_options(args, _BUILD_VALUE, _BUILD_SHORT)
        tags = tuple(parse_image(v, ln) for name, v, ln in opts if name == "--tag")
        build_args = []
        for name, v, ln in opts:
            if name != "--build-arg":
                continue
            pair = split_once(v, "=")
            if pair is not None:
                name_, val = pair
                if isinstance(name_, str) and isinstance(val, str) and val and self.reader.is_secret_name(name_):
                    self.wf.redact.add(val)
                build_args.append(BuildArg(name_, val, ln))
            else:
                build_args.append(BuildArg(v, env_seen.get(v) if isinstance(v, str) else None, ln, from_env=True))
        dockerfile = next((v for name, v, _ in reversed(opts) if name == "--file"), None)
        target = next((v for name, v, _ in reversed(opts) if name == "--target"), None)
        push: Any = any(name == "--push" and v is True for name, v, _ in opts)
        for name, v, _ in opts:
            if name == "--output":
                if isinstance(v, str) and re.search(r"type=registry|push=true", v):
                    push = True
                elif not isinstance(v, str) and push is False:
                    push = Unknown(UNRESOLVED, "--output", "the build's output is not known")
        unresolved = list(opaque)
        if not pos:
            context: Any = Unknown(UNRESOLVED, tool, "the command has no build context argument")
        else:
            context = pos[-1][0]
            earlier = [v for v, _ in pos[:-1]]
            unresolved.extend(v for v in earlier if not isinstance(v, str))
            if any(isinstance(v, str) for v in earlier):
                context = Unknown(UNRESOLVED, tool, f"{len(pos)} positional arguments where one build context is expected")
        workdir = self.step.get("working-directory", self.defaults.get("working-directory"))
        build = ImageBuild(
            here,
            tool,
            context=context,
            dockerfile=dockerfile,
            tags=tags,
            build_args=tuple(build_args),
            target=target,
            push=push,
            env=tuple(sorted(k for k in env_seen if k not in RUNNER_ENV)),
            working_directory=resolve(workdir, self.scope, self.expr_env) if workdir is not None else None,
            unresolved_args=tuple(unresolved),
        )
        self.wf.builds.append(build)
        for tag in tags:
            self.scope.known_images[tag.text] = (build, None)
            if push is not False:
                certain = True if push is True else push
                self.wf.pushes.append(ImagePush(here, tool + " --push", tag, build=build, certain=certain))

    def push(self, tool: str, args: list, here: Origin) -> None:
        opts, pos, _ = parse_options(args, _PUSH_VALUE, {})
        all_tags = any(name in ("--all-tags", "-a") for name, _, _ in opts)
        for val, ln in pos:
            ref = parse_image(val, ln)
            if all_tags and ref.tag is None:
                same = []
                for text, known in self.scope.known_images.items():
                    other = parse_image(text)
                    if (other.registry, other.repository) == (ref.registry, ref.repository):
                        same.append((text, known))
                for text, (build, source) in same:
                    self.wf.pushes.append(ImagePush(here, tool, parse_image(text, ln), build=build, source=source))
                if not same:
                    why = f"no tag of {ref.describe()} is built or tagged earlier in this job"
                    missing = Unknown(UNRESOLVED, "--all-tags", why)
                    image = ImageRef(ref.text, ref.registry, ref.repository, missing, None, ln)
                    self.wf.pushes.append(ImagePush(here, tool, image))
                continue
            build, source = self.scope.known_images.get(ref.text, (None, None))
            self.wf.pushes.append(ImagePush(here, tool, ref, build=build, source=source))

    def tag(self, args: list, here: Origin) -> None:
        pos = [(v, ln) for v, ln in args if not literal_prefix(v).startswith("-")]
        if len(pos) != 2:
            return
        source, target = parse_image(*pos[0]), parse_image(*pos[1])
        self.wf.tags.append(ImageTag(here, source, target))
        build, _ = self.scope.known_images.get(source.text, (None, None))
        self.scope.known_images[target.text] = (build, source)

    # -- aws ---------------------------------------------------------------

    def aws(self, args: list, here: Origin) -> None:
        i = 0
        while i < len(args) and literal_prefix(args[i][0]).startswith("--"):
            flag = args[i][0]
            i += 2 if isinstance(flag, str) and "=" not in flag and flag in _AWS_GLOBAL_VALUE else 1
        words = [v for v, _ in args[i:]]
        if len(words) < 2:
            return
        service, op = words[0], words[1]
        opts = _aws_options(args[i + 2:])

        def first(name: str) -> tuple[Any, int]:
            values, ln = opts.get(name, ([], here.line))
            if name in opts and not values:
                return Unknown(UNRESOLVED, name, f"{name} has no value"), ln
            return (values[0] if values else None), ln

        if service == "ecs" and op in ("update-service", "deploy"):
            svc, svc_line = first("--service")
            if svc is None:
                given = next((k for k in ("--cli-input-json", "--cli-input-yaml") if k in opts), None)
                why = f"the service is given in {given}, which is not read" if given else "the command has no --service"
                svc = Unknown(UNRESOLVED, "--service", why)
            cluster, cluster_line = first("--cluster")
            task_def, _ = first("--task-definition")
            force = True if "--force-new-deployment" in opts else (False if "--no-force-new-deployment" in opts else None)
            self.wf.redeploys.append(
                Redeploy(here, f"aws ecs {op}", svc, cluster, task_def, force, service_line=svc_line, cluster_line=cluster_line)
            )
        elif service == "ecr" and op == "put-image":
            repo, ln = first("--repository-name")
            tag, _ = first("--image-tag")
            if repo is None:
                repo = Unknown(UNRESOLVED, "--repository-name", "the command has no --repository-name")
            registry = Symbol("aws ecr put-image", kind=ECR_REGISTRY, detail="the account's ECR registry")
            text = concat([registry, "/", repo] + ([":", tag] if tag is not None else []))
            self.wf.pushes.append(ImagePush(here, "aws ecr put-image", ImageRef(text, registry, repo, tag, None, ln)))
        elif service == "configure" and op == "set" and len(words) >= 3:
            key = words[2]
            if key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
                value = words[3] if len(words) > 3 else None
                if isinstance(value, str) and value:
                    self.wf.redact.add(value)
                self.wf.static_keys.append(StaticKey(here, key, "aws configure", source_kind(value)))
        elif service == "ecs" and op in ("create-service", "run-task", "start-task"):
            self.reader.gap(here, "ecs", f"'aws ecs {op}' starts tasks outside the CTJ service's deployment; not read")


def _is_assignment(value: Any) -> bool:
    return isinstance(value, str) and bool(_ASSIGNMENT.match(value))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_args(args: list, limit: int = 3) -> str:
    """The first words of a command, for a message: never an assignment's value."""
    from ..workflow_model import show

    words = []
    for value, _ in args[:limit]:
        text = show(value)
        words.append(text.split("=", 1)[0] + "=..." if "=" in text else text)
    return _short(" ".join(words) + (" ..." if len(args) > limit else ""))
