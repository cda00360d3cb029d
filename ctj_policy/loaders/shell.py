"""A POSIX shell lexer for the ``run:`` scripts of a workflow.

It turns a script into simple commands (words and redirections, each with its
line) the way ``sh``/``bash`` would split them: backslash-newline
continuations, single and double quotes, backslash escapes, comments that
start a word, the control operators (``&&``, ``||``, ``;``, ``|``, ``&``,
newline), redirections (``>``, ``>>``, ``2>&1``...), here-documents (their
bodies are skipped), and, inside words, parameter expansions (``$X``,
``${X}``, ``${X:-default}``) and command substitutions (``$(...)``, backquotes),
kept apart from the literal text with whether they were quoted, so that the
caller can expand them (a single-quoted ``'$X'`` stays literal text).

Why not ``shlex``: with ``punctuation_chars`` it splits words and operators,
but it removes quotes without saying which text was quoted (``'$X'`` and
``"$X"`` come out the same), keeps a backslash-newline in the word instead of
joining the lines, treats a newline as plain whitespace (so two commands on two
lines become one), starts a comment at a ``#`` inside a word, and splits
``$(...)`` at its parentheses.  Each of those changes what a ``docker build``
line means, so the lexer below keeps the distinctions the expansion needs.

Standard library only; no evaluation happens here.
"""

# no `from __future__ import annotations`: typing.NamedTuple would compile every string annotation at import

from typing import NamedTuple

_OPERATORS = sorted(
    ["&&", "||", ";;", "|&", "<<-", "<<<", "<<", ">>", "&>>", "&>", ">&", "<&", "<>", ">|"]
    + [";", "&", "|", "<", ">", "(", ")"],
    key=len,
    reverse=True,
)
_OP_START = set("&|;<>()")
SEPARATORS = frozenset({"\n", ";", ";;", "&&", "||", "|", "|&", "&", "(", ")"})
REDIRECTS = frozenset({"<", ">", ">>", ">|", "<>", "&>", "&>>", ">&", "<&", "<<", "<<-", "<<<"})
_SPECIAL_PARAMS = set("@*#?-$!0123456789")
_PARAM_OPS = (":-", ":=", ":+", ":?", "-", "=", "+", "?")


class ShellSyntaxError(ValueError):
    """The script cannot be split (an unterminated quote or substitution).  ``commands``:
    the complete commands before the error (the shell runs those before it stops)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line
        self.commands: list = []


class Param(NamedTuple):
    """A parameter expansion.  ``op`` is "" (``$X``, ``${X}``), one of ``:- := :+ :? - = + ?``
    (``arg`` holds the word's parts), or ``"other"`` (``${X%suffix}``, ``${#X}``...)."""

    name: str
    op: str = ""
    arg: tuple = ()
    text: str = ""
    quoted: bool = False


class CommandSub(NamedTuple):
    """``$(...)``, backquotes or ``$((...))``: its output is never known (its commands
    still run: ``body`` is the script inside, "" for arithmetic)."""

    text: str
    quoted: bool = False
    line: int = 0  # 0-based line where it starts

    @property
    def body(self) -> str:
        if self.text.startswith("$(("):
            return ""
        if self.text.startswith("`"):
            return self.text[1:-1].replace("\\`", "`")
        return self.text[2:-1]


class Word(NamedTuple):
    parts: tuple  # str | Param | CommandSub
    line: int  # 0-based line of the script where the word starts
    quoted: bool = False  # the word holds a quote: it is a word even when it expands to ""

    def literal(self) -> str | None:
        """The word's text when it holds no expansion."""
        if all(isinstance(p, str) for p in self.parts):
            return "".join(self.parts)
        return None


class Op(NamedTuple):
    text: str
    line: int


class Redirect(NamedTuple):
    op: str  # ">", ">>", "2>", "2>&"...
    target: Word | None


class Command:
    """A simple command: its words (assignments included) and redirections."""

    __slots__ = ("words", "redirects", "line")

    def __init__(self) -> None:
        self.words: list[Word] = []
        self.redirects: list[Redirect] = []
        self.line = 0  # 0-based line of its first word

    def __repr__(self) -> str:
        return f"Command(line={self.line}, words={self.words!r}, redirects={self.redirects!r})"


class _Lexer:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 0
        self.heredocs: list[tuple[str, bool]] = []  # (delimiter, strip tabs) waiting for the next newline

    # -- words -------------------------------------------------------------

    def _word(self) -> Word:
        s, n = self.s, len(self.s)
        start_line = self.line
        parts: list = []
        buf: list[str] = []
        quoted = False

        def flush() -> None:
            if buf:
                parts.append("".join(buf))
                buf.clear()

        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n" or c in _OP_START:
                break
            if c == "\\":
                if self.i + 1 < n and s[self.i + 1] == "\n":
                    self.i += 2
                    self.line += 1
                    continue
                if self.i + 1 < n:
                    buf.append(s[self.i + 1])
                self.i += 2
                continue
            if c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError("unterminated single quote", self.line)
                text = s[self.i + 1:end]
                buf.append(text)
                self.line += text.count("\n")
                self.i = end + 1
                quoted = True
                continue
            if c == '"':
                quoted = True
                self.i += 1
                self._double_quoted(buf, parts, flush)
                continue
            if c == "$" and s.startswith("$'", self.i):
                quoted = True
                buf.append(self._ansi_c())
                continue
            if c == "$" or c == "`":
                exp = self._expansion(quoted=False)
                if exp is None:
                    buf.append("$")
                    self.i += 1
                else:
                    flush()
                    parts.append(exp)
                continue
            buf.append(c)
            self.i += 1
        flush()
        return Word(tuple(parts), start_line, quoted)

    def _double_quoted(self, buf: list, parts: list, flush) -> None:
        s, n = self.s, len(self.s)
        while True:
            if self.i >= n:
                raise ShellSyntaxError("unterminated double quote", self.line)
            c = s[self.i]
            if c == '"':
                self.i += 1
                return
            if c == "\\" and self.i + 1 < n:
                nxt = s[self.i + 1]
                if nxt == "\n":
                    self.line += 1
                elif nxt in '$`"\\':
                    buf.append(nxt)
                else:
                    buf.append("\\" + nxt)
                self.i += 2
                continue
            if c == "$" or c == "`":
                exp = self._expansion(quoted=True)
                if exp is None:
                    buf.append("$")
                    self.i += 1
                else:
                    flush()
                    parts.append(exp)
                continue
            if c == "\n":
                self.line += 1
            buf.append(c)
            self.i += 1

    def _ansi_c(self) -> str:
        """``$'...'`` (bash): the common escapes."""
        s, n = self.s, len(self.s)
        self.i += 2
        out = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "e": "\x1b", "a": "\a"}
        while self.i < n and s[self.i] != "'":
            if s[self.i] == "\\" and self.i + 1 < n:
                out.append(escapes.get(s[self.i + 1], "\\" + s[self.i + 1]))
                self.i += 2
                continue
            if s[self.i] == "\n":
                self.line += 1
            out.append(s[self.i])
            self.i += 1
        if self.i >= n:
            raise ShellSyntaxError("unterminated $'...' quote", self.line)
        self.i += 1
        return "".join(out)

    def _matching(self, start: int, open_: str, close: str) -> int:
        """Index just past the ``close`` matching the ``open_`` before ``start``
        (quotes and nesting respected)."""
        s, n = self.s, len(self.s)
        depth, i = 1, start
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and open_ != "`":
                end = s.find("'", i + 1)
                if end < 0:
                    break
                i = end + 1
                continue
            if c == '"' and open_ != "`":
                j = i + 1
                while j < n and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
                i = j + 1
                continue
            if open_ != close and c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise ShellSyntaxError(f"unterminated {open_}...{close}", self.line)

    def _expansion(self, quoted: bool) -> Param | CommandSub | None:
        s, n = self.s, len(self.s)
        i = self.i
        start_line = self.line
        if s[i] == "`":
            end = self._matching(i + 1, "`", "`")
            text = s[i:end]
        elif s.startswith("$(", i):
            end = self._matching(i + 2, "(", ")")
            text = s[i:end]
        elif s.startswith("${", i):
            end = self._matching(i + 2, "{", "}")
            text = s[i:end]
            self.line += text.count("\n")
            self.i = end
            return _brace_param(text, quoted)
        else:
            j = i + 1
            if j < n and (s[j].isalpha() or s[j] == "_"):
                while j < n and (s[j].isalnum() or s[j] == "_"):
                    j += 1
                self.i = j
                return Param(s[i + 1:j], text=s[i:j], quoted=quoted)
            if j < n and s[j] in _SPECIAL_PARAMS:
                self.i = j + 1
                return Param(s[j], text=s[i:j + 1], quoted=quoted)
            return None
        self.line += text.count("\n")
        self.i = end
        return CommandSub(text, quoted, start_line)

    def _word_in_braces(self) -> tuple:
        """The parts of the word after ``${X:-``: spaces are part of it; quotes and
        expansions are read as in a double-quoted string."""
        parts: list = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                parts.append("".join(buf))
                buf.clear()

        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "'":
                end = s.find("'", self.i + 1)
                end = len(s) if end < 0 else end
                buf.append(s[self.i + 1:end])
                self.i = end + 1
            elif c == '"':
                self.i += 1
                self._double_quoted(buf, parts, flush)
            elif c == "\\" and self.i + 1 < len(s):
                buf.append(s[self.i + 1])
                self.i += 2
            elif c in "$`":
                exp = self._expansion(quoted=True)
                if exp is None:
                    buf.append("$")
                    self.i += 1
                else:
                    flush()
                    parts.append(exp)
            else:
                buf.append(c)
                self.i += 1
        flush()
        return tuple(parts)

    # -- tokens ------------------------------------------------------------

    def _skip_heredocs(self) -> None:
        s = self.s
        for delim, strip_tabs in self.heredocs:
            while self.i < len(s):
                end = s.find("\n", self.i)
                end = len(s) if end < 0 else end
                line = s[self.i:end]
                self.i = end + 1
                self.line += 1
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    break
        self.heredocs.clear()

    def tokens(self) -> list:
        s, n = self.s, len(self.s)
        out: list = []
        self.partial = out  # what was read before an error
        heredoc_op: str | None = None  # a << seen: the next word is its delimiter
        word_end = -1  # where the last word ended (an IO number touches its redirection)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
                continue
            if c == "\\" and s.startswith("\\\n", self.i):
                self.i += 2
                self.line += 1
                continue
            if c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end
                continue
            if c == "\n":
                out.append(Op("\n", self.line))
                self.i += 1
                self.line += 1
                if self.heredocs:
                    self._skip_heredocs()
                continue
            if c in _OP_START:
                op = next(o for o in _OPERATORS if s.startswith(o, self.i))
                at = self.i
                self.i += len(op)
                if op in REDIRECTS and word_end == at and out and isinstance(out[-1], Word):
                    number = out[-1].literal()
                    if number and number.isdigit() and not out[-1].quoted:
                        out.pop()
                        op = number + op
                out.append(Op(op, self.line))
                if op.lstrip("0123456789") in ("<<", "<<-"):
                    heredoc_op = op
                continue
            word = self._word()
            word_end = self.i
            if heredoc_op is not None:
                delim = "".join(p if isinstance(p, str) else getattr(p, "text", "") for p in word.parts)
                self.heredocs.append((delim, heredoc_op.endswith("-")))
                heredoc_op = None
            out.append(word)
        return out


def _brace_param(text: str, quoted: bool) -> Param:
    body = text[2:-1]
    if body.startswith("#") and len(body) > 1 or body.startswith("!"):
        return Param(body.lstrip("#!"), op="other", text=text, quoted=quoted)
    j = 0
    if body and (body[0].isalpha() or body[0] == "_"):
        while j < len(body) and (body[j].isalnum() or body[j] == "_"):
            j += 1
    elif body and body[0] in _SPECIAL_PARAMS:
        j = 1
    name, rest = body[:j], body[j:]
    if not rest:
        return Param(name, text=text, quoted=quoted)
    for op in _PARAM_OPS:
        if rest.startswith(op):
            arg = _Lexer(rest[len(op):])
            arg_word = arg._word_in_braces()
            return Param(name, op=op, arg=arg_word, text=text, quoted=quoted)
    return Param(name, op="other", text=text, quoted=quoted)


# reserved words that may precede a command on the same line
_PREFIX_WORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"})
# reserved words that close a compound command (nothing to run)
_CLOSE_WORDS = frozenset({"fi", "done", "}", "esac"})


def split_commands(script: str) -> list[Command]:
    """The simple commands of ``script``, in order (``for``/``case`` headers are dropped).

    Raises :class:`ShellSyntaxError` on an unterminated quote or substitution.
    """
    lexer = _Lexer(script)
    error = None
    try:
        toks = lexer.tokens()
    except ShellSyntaxError as exc:
        error, toks = exc, lexer.partial
    commands: list[Command] = []
    cur = Command()
    skip = False
    drop = 0
    i = 0
    while i < len(toks):
        tok = toks[i]
        if isinstance(tok, Op) and tok.text in SEPARATORS:
            if cur.words and not skip:
                commands.append(cur)
            cur, skip, drop = Command(), False, 0
        elif isinstance(tok, Op):  # a redirection: its target is the next word
            target = toks[i + 1] if i + 1 < len(toks) and isinstance(toks[i + 1], Word) else None
            cur.redirects.append(Redirect(tok.text, target))
            if target is not None:
                i += 1
        elif drop:
            drop -= 1
        else:
            text = tok.literal()
            if not cur.words and text in _PREFIX_WORDS and not tok.quoted or not cur.words and text in _CLOSE_WORDS and not tok.quoted:
                pass
            elif not cur.words and text in ("for", "case", "select") and not tok.quoted:
                skip = True  # the header up to the next separator
                cur.words.append(tok)
            elif not cur.words and text == "function" and not tok.quoted:
                drop = 1  # `function NAME`: the body's commands follow
            else:
                if not cur.words:
                    cur.line = tok.line
                cur.words.append(tok)
        i += 1
    if error is not None:  # the command being read when the error came is incomplete
        error.commands = commands
        raise error
    if cur.words and not skip:
        commands.append(cur)
    return commands
