"""Parse ``.tf`` files with python-hcl2's Lark grammar into a small block IR.

We use python-hcl2 (8.x) only for its grammar and cached LALR parser: the raw
Lark tree keeps line numbers and the exact structure of expressions, which the
dict form loses.  Expressions stay Lark trees; ``hcl_eval`` evaluates them
lazily.  Heavy imports (lark, hcl2) happen on the first parse only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import InputError

_PARSER = None
CACHE_FORMAT = "ctj-hcl-ir-1"


class N:
    """A syntax tree node (a python-hcl2 grammar rule): ``data`` and ``children``."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list):
        self.data = data
        self.children = children

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"N({self.data!r}, {self.children!r})"


class T(str):
    """A token: its text, with ``type`` (the grammar terminal) and ``line``."""

    type: str
    line: int


def _token(type_: str, text: str, line: int) -> T:
    t = T(text)
    t.type = type_
    t.line = line
    return t


def _from_lark(node) -> Any:
    from lark import Token

    if isinstance(node, Token):
        return _token(node.type, str(node), node.line or 0)
    return N(str(node.data), [_from_lark(c) for c in node.children if not _is_nl(c)])


def _is_nl(node) -> bool:
    data = getattr(node, "data", None)
    return data == "new_line_or_comment" or getattr(node, "type", None) == "NL_OR_COMMENT"


def _dump(node) -> tuple:
    if isinstance(node, T):
        return (node.type, str(node), node.line)
    return (node.data, tuple(_dump(c) for c in node.children))


def _load(data: tuple) -> Any:
    if len(data) == 3:
        return _token(data[0], data[1], data[2])
    return N(data[0], [_load(c) for c in data[1]])


@dataclass
class Attr:
    name: str
    expr: Any  # lark Tree
    file: str
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, Attr]
    blocks: list["Block"]
    file: str
    line: int

    def blocks_of(self, type_: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == type_]


@dataclass
class TfFile:
    path: str
    blocks: list[Block]
    lines: list[str] = field(default_factory=list)
    attrs: dict[str, Attr] = field(default_factory=dict)  # top-level attributes (tfvars files)


def _user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ctj-policy"


def get_parser():
    """A Lark LALR parser for python-hcl2's grammar, loaded from a grammar cache.

    We build it ourselves (python-hcl2's grammar file and post-lexer) rather
    than calling ``hcl2.parser.parser()``: without ``propagate_positions``
    parsing is about twice as fast (lines come from the tokens), and importing
    the ``hcl2`` package (its transformer, reconstructor, ...) is not needed.
    The compiled grammar is cached in the user's cache directory, so only the
    very first run pays the grammar build (seconds).
    """
    global _PARSER
    if _PARSER is not None:
        return _PARSER
    try:
        from ..hcl2_check import ensure_python_hcl2  # owned by the Checkov adapter
    except ModuleNotFoundError:  # pragma: no cover - until it lands
        ensure_python_hcl2 = None
    if ensure_python_hcl2 is not None:
        ensure_python_hcl2()
    import importlib.util

    spec = importlib.util.find_spec("hcl2")
    origin = Path(spec.origin).parent if spec and spec.origin else None
    grammar = origin / "hcl2.lark" if origin else None
    postlexer = origin / "postlexer.py" if origin else None
    if grammar is None or not grammar.is_file() or not postlexer.is_file():
        raise InputError(
            "HCL mode needs python-hcl2 8.x (pip install 'python-hcl2>=8,<9'); "
            "if Checkov is installed here, install Checkov in its own environment"
        )
    try:
        from lark import Lark
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise InputError(f"HCL mode needs python-hcl2 8.x and lark: {exc}") from None
    # load hcl2/postlexer.py alone: importing the hcl2 package pulls in its
    # whole transformer/reconstructor stack, which we do not use
    pl_spec = importlib.util.spec_from_file_location("_ctj_hcl2_postlexer", postlexer)
    module = importlib.util.module_from_spec(pl_spec)
    pl_spec.loader.exec_module(module)  # type: ignore[union-attr]
    cache_arg: Any = False
    try:
        import lark

        cache_dir = _user_cache_dir()
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_arg = str(cache_dir / f"hcl2-grammar-lark{lark.__version__}.bin")
    except OSError:
        pass
    _PARSER = Lark(
        grammar.read_text(encoding="utf-8"),
        parser="lalr",
        cache=cache_arg,
        propagate_positions=False,
        postlex=module.PostLexer(),
    )
    return _PARSER


def first_line(node) -> int:
    """Line of the first token under ``node`` (0 when it holds none)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, T):
            if n.type == "NL_OR_COMMENT":
                continue
            return n.line or 0
        stack.extend(reversed(n.children))
    return 0


def _name_of(node) -> str:
    """Text of an identifier/keyword/literal_value/string label node."""
    if isinstance(node, T):
        return str(node)
    if node.data == "string":
        text = []
        for part in node.children:
            if isinstance(part, T):
                continue  # quotes
            for c in part.children:
                if isinstance(c, T):
                    text.append(str(c))
        return "".join(text)
    return "".join(str(c) for c in node.children if isinstance(c, T))


def _convert_body(body, file: str) -> tuple[dict[str, Attr], list[Block]]:
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, N):
            continue
        if child.data == "attribute":
            name_node = child.children[0]
            expr = child.children[-1]
            name = _name_of(name_node)
            attrs[name] = Attr(name, expr, file, first_line(name_node))
        elif child.data == "block":
            trees = [c for c in child.children if isinstance(c, N)]
            inner = next(c for c in reversed(trees) if c.data == "body")
            head = [c for c in trees if c is not inner and c.data != "new_line_or_comment"]
            btype = _name_of(head[0])
            labels = [_name_of(h) for h in head[1:]]
            a, b = _convert_body(inner, file)
            blocks.append(Block(btype, labels, a, b, file, first_line(head[0])))
    return attrs, blocks


def parse_tree(text: str, file: str) -> N:
    """Parse HCL text into our syntax tree (InputError with file:line on a syntax error)."""
    parser = get_parser()
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = parser.parse(text + "\n")
    except UnexpectedInput as exc:
        line = getattr(exc, "line", None) or "?"
        col = getattr(exc, "column", None)
        where = f"{file}:{line}" + (f":{col}" if isinstance(col, int) and col > 0 else "")
        raise InputError(f"{where}: HCL syntax error") from None
    except LarkError as exc:  # pragma: no cover - defensive
        raise InputError(f"{file}: HCL syntax error ({type(exc).__name__})") from None
    return _from_lark(tree)


def _file_from_tree(tree: N, text: str, file: str) -> TfFile:
    body = tree.children[0]
    attrs, blocks = _convert_body(body, file)
    return TfFile(file, blocks, text.splitlines(), attrs)


def parse_text(text: str, file: str) -> TfFile:
    return _file_from_tree(parse_tree(text, file), text, file)


def _grammar_tag() -> str:
    """Identifies the installed grammar without importing python-hcl2."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("hcl2")
        origin = Path(spec.origin).parent / "hcl2.lark" if spec and spec.origin else None
        st = origin.stat() if origin else None
    except (ImportError, OSError, ValueError):
        return "none"
    return f"{st.st_size}-{st.st_mtime_ns}" if st else "none"


_TAG: str | None = None


def _cache_path(raw: bytes) -> Path | None:
    global _TAG
    if os.environ.get("CTJ_POLICY_NO_CACHE"):
        return None
    import hashlib

    if _TAG is None:
        _TAG = _grammar_tag()
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{_TAG}|".encode() + raw).hexdigest()
    return _user_cache_dir() / "parsed" / digest[:2] / f"{digest}.marshal"


def _cached_tree(raw: bytes) -> tuple[Path | None, N | None]:
    import marshal

    path = _cache_path(raw)
    if path is None:
        return None, None
    try:
        with open(path, "rb") as fh:
            return path, _load(marshal.load(fh))
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        return path, None


def _store_tree(path: Path | None, tree: N) -> None:
    if path is None:
        return
    import marshal

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            marshal.dump(_dump(tree), fh)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


_CACHE: dict[str, TfFile] = {}


def parse_file(path: Path, display: str) -> TfFile:
    key = str(path.resolve())
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{display}: not UTF-8 text") from None
    cache_path, tree = _cached_tree(raw)
    if tree is None:
        tree = parse_tree(text, display)
        _store_tree(cache_path, tree)
    parsed = _file_from_tree(tree, text, display)
    _CACHE[key] = parsed
    return parsed


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the cwd when below it."""
    try:
        rel = os.path.relpath(path, Path.cwd())
    except ValueError:  # other drive on Windows
        return path.as_posix()
    if rel.startswith(".."):
        return Path(os.path.abspath(path)).as_posix()
    return Path(rel).as_posix()


def parse_dir(directory: Path) -> list[TfFile]:
    """Every ``*.tf`` file of one module directory (not recursive), sorted."""
    try:
        names = sorted(p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file())
    except OSError as exc:
        raise InputError(f"cannot read directory {display_path(directory)}: {exc.strerror}") from None
    return [parse_file(p, display_path(p)) for p in names]
