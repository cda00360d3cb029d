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


_POSTLEXER_MODULE = "_ctj_hcl2_postlexer"


def _load_postlexer(path: Path):
    """python-hcl2's ``postlexer.py`` alone, registered under a private name.

    Importing the ``hcl2`` package pulls in its whole transformer/reconstructor
    stack, which we do not use; registering the module lets the pickled parser
    refer to its ``PostLexer`` class.
    """
    import importlib.util
    import sys

    module = sys.modules.get(_POSTLEXER_MODULE)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(_POSTLEXER_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_POSTLEXER_MODULE] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        del sys.modules[_POSTLEXER_MODULE]
        raise
    return module


def _file_tag(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


def _parser_pickle_path(grammar: Path, postlexer: Path, lark_version: str) -> Path | None:
    """Where the ready-built parser object is kept, keyed by everything it depends on."""
    import hashlib
    import sys

    try:
        key = "|".join(
            (CACHE_FORMAT, lark_version, sys.version, _file_tag(grammar), _file_tag(postlexer), str(grammar))
        )
    except OSError:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return _user_cache_dir() / f"hcl2-parser-{digest}.pickle"


def _private(st: os.stat_result) -> bool:
    """A file only its owner (this user) can write: the only kind of pickle we load."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: no POSIX owner/mode to check
        return True
    return st.st_uid == getuid() and not st.st_mode & 0o022


def _read_parser_pickle(path: Path | None):
    """The parser object pickled by an earlier run, or None (missing, stale or unreadable)."""
    if path is None:
        return None
    import pickle

    from lark import Lark

    try:
        with open(path, "rb") as fh, _PausedGC():
            if not _private(os.fstat(fh.fileno())):
                return None
            parser = pickle.load(fh)
    except Exception:  # any damage: rebuild from the grammar cache
        return None
    return parser if isinstance(parser, Lark) and parser.options.parser == "lalr" else None


def _write_parser_pickle(path: Path | None, parser) -> None:
    """Keep the built parser as one pickle: loading it skips Lark's own
    deserialization (rebuilding ~26,000 grammar and parse-table objects one by
    one in Python), which is most of a cold start's time."""
    if path is None:
        return
    import importlib
    import io
    import pickle
    import types

    from lark.parsers import lalr_analysis

    class _Pickler(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, types.ModuleType):  # the lexer keeps a reference to ``re``
                return importlib.import_module, (obj.__name__,)
            if isinstance(obj, lalr_analysis.Action):  # the parser tests ``action is Shift``
                return getattr, (lalr_analysis, obj.name)
            return NotImplemented

    buf = io.BytesIO()
    try:
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except Exception:  # an unpicklable lark internals change, a read-only cache: no cache
        return


def _import_lark():
    """``import lark`` without its optional import of the ``regex`` module.

    lark imports ``regex`` (about 20 ms) only to offer ``Lark(regex=True)`` and
    Unicode-category terminals; python-hcl2's grammar uses neither, and the
    parser runs on the standard ``re`` module.  A ``None`` entry in
    ``sys.modules`` makes that one import fail as "not installed"; it is
    removed again right after, so ``regex`` stays importable for anyone else.
    """
    import sys

    if "lark" in sys.modules or "regex" in sys.modules:
        import lark

        return lark
    sys.modules["regex"] = None  # type: ignore[assignment]
    try:
        import lark
    finally:
        if sys.modules.get("regex", 0) is None:
            del sys.modules["regex"]
    return lark


def get_parser():
    """A Lark LALR parser for python-hcl2's grammar, loaded from a cache.

    We build it ourselves (python-hcl2's grammar file and post-lexer) rather
    than calling ``hcl2.parser.parser()``: without ``propagate_positions``
    parsing is about twice as fast (lines come from the tokens), and importing
    the ``hcl2`` package (its transformer, reconstructor, ...) is not needed.

    Two caches in the user's cache directory: Lark's own grammar cache (so only
    the very first run pays the grammar build, seconds) and a pickle of the
    built parser object, keyed by the lark and Python versions and the grammar
    and post-lexer files (loading it takes ~20 ms where Lark's grammar cache
    takes ~150 ms).
    """
    global _PARSER
    if _PARSER is not None:
        return _PARSER
    import importlib.util

    from ..hcl2_check import INSTALL, ensure_python_hcl2

    ensure_python_hcl2()

    spec = importlib.util.find_spec("hcl2")
    origin = Path(spec.origin).parent if spec and spec.origin else None
    grammar = origin / "hcl2.lark" if origin else None
    postlexer = origin / "postlexer.py" if origin else None
    if grammar is None or not grammar.is_file() or not postlexer.is_file():
        raise InputError(
            f"HCL mode needs python-hcl2 8.x ({INSTALL}); "
            "if Checkov is installed here, install Checkov in its own environment"
        )
    try:
        lark = _import_lark()
        from lark import Lark
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise InputError(f"HCL mode needs python-hcl2 8.x and lark: {exc}") from None
    module = _load_postlexer(postlexer)
    pickle_path = _parser_pickle_path(grammar, postlexer, lark.__version__)
    parser = _read_parser_pickle(pickle_path)
    if parser is None:
        cache_arg: Any = False
        try:
            cache_dir = _user_cache_dir()
            cache_dir.mkdir(parents=True, exist_ok=True)
            cache_arg = str(cache_dir / f"hcl2-grammar-lark{lark.__version__}.bin")
        except OSError:
            pickle_path = None
        parser = Lark(
            grammar.read_text(encoding="utf-8"),
            parser="lalr",
            cache=cache_arg,
            propagate_positions=False,
            postlex=module.PostLexer(),
        )
        _write_parser_pickle(pickle_path, parser)
    _PARSER = parser
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


class _PausedGC:
    """Cyclic garbage collection off while a parse builds thousands of small
    objects (a tree or the unpickled parser) that are all still alive: the
    collector would only walk them again and again, for nothing.  Reference
    counting still frees everything as usual."""

    def __enter__(self):
        import gc

        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        import gc

        if self.was_enabled:
            gc.enable()


def parse_file(path: Path, display: str) -> TfFile:
    with _PausedGC():
        return _parse_file(path, display)


def _parse_file(path: Path, display: str) -> TfFile:
    # keyed by the name shown too: a symlinked file read through two trees keeps each tree's name
    key = f"{path.resolve()}\0{display}"
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
