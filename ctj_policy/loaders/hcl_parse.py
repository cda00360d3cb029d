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

from .. import cache
from . import InputError

_PARSER = None
CACHE_FORMAT = "ctj-hcl-ir-2"


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


def _is_nl(node) -> bool:
    data = getattr(node, "data", None)
    return data == "new_line_or_comment" or getattr(node, "type", None) == "NL_OR_COMMENT"


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
    blocks: list[Block]
    file: str
    line: int

    def blocks_of(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]


@dataclass
class TfFile:
    path: str
    blocks: list[Block]
    lines: list[str] = field(default_factory=list)
    attrs: dict[str, Attr] = field(default_factory=dict)  # top-level attributes (tfvars files)
    size: int = 0  # bytes


# --------------------------------------------------------------------------
# limits: far above a real tree (the whole incubator is ~130 KB in 101 files,
# its largest file 11 KB, its deepest expression 32 tree levels); what is
# above them is refused with one line (exit 2), so hostile input cannot make a
# run take minutes or gigabytes
# --------------------------------------------------------------------------

MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 1024 * 1024  # every .tf and var file one evaluation reads
MAX_FILES = 500
MAX_TREE_DEPTH = 128  # syntax tree levels (about two per nested bracket)


class ParseBudget:
    """What one evaluation has read so far (files counted once however often they are used)."""

    __slots__ = ("files", "bytes")

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.bytes = 0

    def charge(self, key: str, size: int, display: str) -> None:
        if size > MAX_FILE_BYTES:
            raise InputError(f"{display}: {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes for one file")
        if key in self.files:
            return
        self.files.add(key)
        self.bytes += size
        if len(self.files) > MAX_FILES:
            raise InputError(f"{display}: more than {MAX_FILES} Terraform files in one evaluation (the limit)")
        if self.bytes > MAX_TOTAL_BYTES:
            raise InputError(f"{display}: the files read exceed {MAX_TOTAL_BYTES:,} bytes in all (the limit)")


# --------------------------------------------------------------------------
# the parser: python-hcl2's grammar and post-lexer, built with Lark, cached
# --------------------------------------------------------------------------

_POSTLEXER_MODULE = "_ctj_hcl2_postlexer"
_MAX_PARSER_BYTES = 32 * 1024 * 1024


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


def _parser_key(grammar: Path, postlexer: Path, lark_version: str) -> str | None:
    """The cache key of the built parser: everything it depends on."""
    import hashlib
    import sys

    try:
        key = "|".join(
            (CACHE_FORMAT, lark_version, sys.version, _file_tag(grammar), _file_tag(postlexer), str(grammar))
        )
    except OSError:
        return None
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _parser_pickle_name(key: str) -> str:
    return f"parser-{key}.pickle"


def _grammar_name(key: str) -> str:
    return f"grammar-{key}.lark"


def _read_parser_pickle(key: str | None):
    """The parser object pickled by an earlier run (a validated entry of the private
    cache directory), or None (missing, stale or damaged: rebuilt)."""
    if key is None or cache.disabled("parser"):
        return None
    payload = cache.load(_parser_pickle_name(key), _MAX_PARSER_BYTES)
    if payload is None:
        return None
    import pickle

    from lark import Lark

    try:
        with _PausedGC():
            parser = pickle.loads(payload)
    except Exception:  # an entry of ours that no longer unpickles (a lark upgrade): rebuild
        parser = None
    if isinstance(parser, Lark) and parser.options.parser == "lalr":
        return parser
    cache.discard(_parser_pickle_name(key))
    return None


def _write_parser_pickle(key: str | None, parser) -> None:
    """Keep the built parser as one pickle: loading it skips Lark's own
    deserialization (rebuilding ~26,000 grammar and parse-table objects one by
    one in Python), which is most of a cold start's time."""
    if key is None or cache.disabled("parser"):
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
    except Exception:  # an unpicklable lark internals change: no parser cache
        return
    cache.store(_parser_pickle_name(key), buf.getvalue())


# Lark options a serialized parser takes at load time (lark's own grammar cache excludes the same)
_LOAD_OPTIONS = ("postlex", "transformer", "lexer_callbacks", "use_bytes", "debug", "g_regex_flags", "regex",
                 "propagate_positions", "tree_class", "_plugins")


def _read_grammar(key: str | None, postlex):
    """Lark's serialized form of the parser (the fallback when the pickle cannot be used:
    Lark rebuilds its objects from it in ~150 ms instead of seconds)."""
    if key is None or cache.disabled("grammar"):
        return None
    payload = cache.load(_grammar_name(key), _MAX_PARSER_BYTES)
    if payload is None:
        return None
    import pickle

    from lark import Lark

    try:
        data = pickle.loads(payload)
        parser = Lark.__new__(Lark)
        parser._load(data, postlex=postlex, propagate_positions=False)
    except Exception:  # an entry of ours that a lark upgrade no longer reads: rebuild
        cache.discard(_grammar_name(key))
        return None
    return parser


def _write_grammar(key: str | None, parser) -> None:
    if key is None or cache.disabled("grammar"):
        return
    import io

    buf = io.BytesIO()
    try:
        parser.save(buf, _LOAD_OPTIONS)
    except Exception:  # pragma: no cover - a lark that cannot save: no fallback cache
        return
    cache.store(_grammar_name(key), buf.getvalue())


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
    """A Lark LALR parser for python-hcl2's grammar, loaded from the cache.

    We build it ourselves (python-hcl2's grammar file and post-lexer) rather
    than calling ``hcl2.parser.parser()``: without ``propagate_positions``
    parsing is about twice as fast (lines come from the tokens), and importing
    the ``hcl2`` package (its transformer, reconstructor, ...) is not needed.

    Two entries of the private cache (:mod:`ctj_policy.cache`) keep it fast,
    both keyed by the lark and Python versions and the grammar and post-lexer
    files: a pickle of the built parser object (loading it takes ~20 ms) and,
    should that pickle be unusable, Lark's own serialized form (~150 ms).
    Without either, building the parser takes seconds.
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
    key = _parser_key(grammar, postlexer, lark.__version__)
    parser = _read_parser_pickle(key)
    if parser is None:
        parser = _read_grammar(key, module.PostLexer())
        if parser is None:
            parser = Lark(
                grammar.read_text(encoding="utf-8"),
                parser="lalr",
                propagate_positions=False,
                postlex=module.PostLexer(),
            )
            _write_grammar(key, parser)
        _write_parser_pickle(key, parser)
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


class _Invalid(Exception):
    """A cached tree that does not fit its source: rebuilt."""


def _form(node, depth: int, file: str, source: str) -> tuple:
    """A Lark tree as plain tuples: a node is ``(data, children)``; a token is
    ``(type, start, end, line)``, its text being the source's ``text[start:end]``
    (so a cached tree holds none of the source's text, secrets included), or
    ``(type, text, line)`` for the rare token whose text is not a slice of the
    source (an operator the post-lexer merged with the newline before it)."""
    from lark import Token

    if depth > MAX_TREE_DEPTH:
        raise InputError(f"{file}:{_lark_line(node)}: nested deeper than {MAX_TREE_DEPTH} syntax levels (the limit)")
    out = []
    for c in node.children:
        if _is_nl(c):
            continue
        if isinstance(c, Token):
            start, end, text = c.start_pos, c.end_pos, str(c)
            if isinstance(start, int) and isinstance(end, int) and start < end and source[start:end] == text:
                out.append((c.type, start, end, c.line or 0))
            else:
                out.append((c.type, text, c.line or 0))
        else:
            out.append(_form(c, depth + 1, file, source))
    return (str(node.data), tuple(out))


def _lark_line(node) -> int:
    from lark import Token

    for tok in node.scan_values(lambda v: isinstance(v, Token)):
        return tok.line or 0
    return 0


def _build(form: tuple, source: str) -> N:
    """Our syntax tree from its tuple form, checked: a cached entry must have the
    shape of a tree of this very source (tokens in order inside it, bounded
    depth and node count), else :class:`_Invalid`."""
    state = [0, 16 * len(source) + 256, len(source)]  # end of the last token, nodes left, literal chars left

    def build(x, depth):
        if type(x) is not tuple or depth > MAX_TREE_DEPTH:
            raise _Invalid
        state[1] -= 1
        if state[1] < 0:
            raise _Invalid
        if len(x) == 2:
            data, kids = x
            if type(data) is not str or type(kids) is not tuple:
                raise _Invalid
            return N(data, [build(k, depth + 1) for k in kids])
        if len(x) == 4:
            type_, start, end, line = x
            if type(start) is not int or type(end) is not int or not state[0] <= start < end <= len(source):
                raise _Invalid
            state[0] = end
            text = source[start:end]
        elif len(x) == 3:
            type_, text, line = x
            if type(text) is not str:
                raise _Invalid
            state[2] -= len(text)
            if state[2] < 0:
                raise _Invalid
        else:
            raise _Invalid
        if type(type_) is not str or type(line) is not int:
            raise _Invalid
        return _token(type_, text, line)

    return build(form, 1)


def _fresh_form(text: str, file: str) -> tuple:
    """Parse ``text`` (InputError with file:line on a syntax error) into the tuple form."""
    parser = get_parser()
    from lark.exceptions import LarkError, UnexpectedInput

    source = text + "\n"
    try:
        tree = parser.parse(source)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", None) or "?"
        col = getattr(exc, "column", None)
        where = f"{file}:{line}" + (f":{col}" if isinstance(col, int) and col > 0 else "")
        raise InputError(f"{where}: HCL syntax error") from None
    except LarkError as exc:  # pragma: no cover - defensive
        raise InputError(f"{file}: HCL syntax error ({type(exc).__name__})") from None
    return _form(tree, 1, file, source)


def parse_tree(text: str, file: str) -> N:
    """Parse HCL text into our syntax tree (InputError with file:line on a syntax error)."""
    return _build(_fresh_form(text, file), text + "\n")


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
_MAX_TREE_ENTRY = 64 * MAX_FILE_BYTES


def _tree_entry(raw: bytes) -> str | None:
    """The cache entry name of the tree of a file's bytes (None: the tree cache is off)."""
    global _TAG
    if cache.disabled("trees"):
        return None
    import hashlib

    if _TAG is None:
        _TAG = _grammar_tag()
    return "tree-" + hashlib.sha256(f"{CACHE_FORMAT}|{_TAG}|".encode() + raw).hexdigest()


def _cached_tree(name: str | None, source: str) -> N | None:
    if name is None:
        return None
    payload = cache.load(name, _MAX_TREE_ENTRY)
    if payload is None:
        return None
    import marshal

    try:
        return _build(marshal.loads(payload), source)
    except (_Invalid, ValueError, EOFError, TypeError, RecursionError):
        cache.discard(name)
        return None


def _store_tree(name: str | None, form: tuple) -> None:
    if name is None:
        return
    import marshal

    try:
        payload = marshal.dumps(form)
    except ValueError:  # pragma: no cover - too deep for marshal (the depth limit is far below)
        return
    if len(payload) <= _MAX_TREE_ENTRY:
        cache.store(name, payload)


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


def read_source(path: Path, display: str, budget: ParseBudget | None = None) -> bytes:
    """The bytes of a source file, within the limits (InputError: unreadable, too large, not a file)."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{display}: not a regular file")
        (budget or ParseBudget()).charge(str(path.resolve()), st.st_size, display)
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:  # grew while we read it
        raise InputError(f"{display}: over the limit of {MAX_FILE_BYTES:,} bytes for one file")
    return raw


def parse_file(path: Path, display: str, budget: ParseBudget | None = None) -> TfFile:
    with _PausedGC():
        return _parse_file(path, display, budget)


def _parse_file(path: Path, display: str, budget: ParseBudget | None) -> TfFile:
    # keyed by the name shown too: a symlinked file read through two trees keeps each tree's name
    key = f"{path.resolve()}\0{display}"
    cached = _CACHE.get(key)
    if cached is not None:
        if budget is not None:
            budget.charge(str(path.resolve()), cached.size, display)
        return cached
    raw = read_source(path, display, budget)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{display}: not UTF-8 text") from None
    entry = _tree_entry(raw)
    tree = _cached_tree(entry, text + "\n")
    if tree is None:
        form = _fresh_form(text, display)
        tree = _build(form, text + "\n")
        _store_tree(entry, form)
    parsed = _file_from_tree(tree, text, display)
    parsed.size = len(raw)
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


def parse_dir(directory: Path, budget: ParseBudget | None = None) -> list[TfFile]:
    """Every ``*.tf`` file of one module directory (not recursive), sorted."""
    try:
        names = sorted(p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file())
    except OSError as exc:
        raise InputError(f"cannot read directory {display_path(directory)}: {exc.strerror}") from None
    return [parse_file(p, display_path(p), budget) for p in names]
