"""The ``check`` command's reports: --format/--output pairing, and writing them out.

Part of the command line (:mod:`ctj_policy.cli` re-exports what it needs);
standard library and click only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Sequence
from typing import Any

import click

USAGE_EXIT = 2
ORDER_KEY = "ctj_policy.param_order"


class CliError(click.ClickException):
    """A usage or input problem found by the CLI itself (exit 2, one line)."""

    exit_code = USAGE_EXIT


# --------------------------------------------------------------------------
# --format / --output pairing
# --------------------------------------------------------------------------


class PairedOptionsCommand(click.Command):
    """Keeps the command-line order of the options, so --format/--output can be paired.

    click keeps the values of a repeated option in order, but not how two
    options interleave.  ``Command.parse_args`` is click's documented hook for
    this; before the normal parse, it asks the command's own parser
    (``make_parser``) for the order: its ``parse_args`` returns the parameters
    as they appear on the command line, repeats included (click's API docs for
    the option parser).  Nothing of click is replaced.  When a click version
    does not give the order, ``ctx.meta`` holds None and :func:`pair_outputs`
    pairs by position where that is unambiguous, and says so where it is not.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            ctx.meta[ORDER_KEY] = self.option_order(ctx, args)
        return super().parse_args(ctx, args)

    def option_order(self, ctx: click.Context, args: Sequence[str]) -> list[str] | None:
        """The parameter names in command-line order (None when click does not say)."""
        try:
            parsed = self.make_parser(ctx).parse_args(args=list(args))
        except click.ClickException:
            return None  # the real parse reports it
        order = parsed[2] if isinstance(parsed, tuple) and len(parsed) == 3 else None
        if not isinstance(order, list) or not all(isinstance(p, click.Parameter) for p in order):
            return None
        return [p.name or "" for p in order]


def pair_outputs(
    order: Sequence[str | None] | None, formats: Sequence[str], outputs: Sequence[str]
) -> list[tuple[str, str | None]]:
    """Pair each ``--output`` with the ``--format`` before it.

    Returns ``[(format, path or None for stdout), ...]`` in command-line order.
    With no ``--format`` at all the format is ``text``; a lone ``--output FILE``
    then writes the text report to FILE.  ``order`` is the parameter names in
    command-line order; None (click did not tell) pairs by position, which is
    only done when every order would pair the same way.
    """
    if order is None:
        order = _order_by_position(formats, outputs)
    pairs: list[list[Any]] = []
    fi = oi = 0
    for name in order:
        if name == "formats":
            if fi >= len(formats):
                break
            pairs.append([formats[fi], None])
            fi += 1
        elif name == "outputs":
            if oi >= len(outputs):
                break
            path = outputs[oi]
            oi += 1
            if not pairs:
                if formats:
                    raise CliError(
                        f"--output {path} comes before any --format; "
                        "put each --output right after the --format it belongs to"
                    )
                pairs.append(["text", path])
            elif pairs[-1][1] is not None:
                raise CliError(
                    f"--output {path}: the --format {pairs[-1][0]} before it already writes to {pairs[-1][1]}; "
                    "give each --output its own --format"
                )
            else:
                pairs[-1][1] = path
    if fi != len(formats) or oi != len(outputs):
        raise CliError(
            "could not pair --format and --output options; give them as --format FMT [--output FILE] pairs"
        )
    if not pairs:
        pairs = [["text", None]]
    out = [(fmt, None if path in (None, "-") else path) for fmt, path in pairs]
    to_stdout = [fmt for fmt, path in out if path is None]
    if len(to_stdout) > 1:
        raise CliError(
            f"at most one format can go to stdout, got {len(to_stdout)} ({', '.join(to_stdout)}); "
            "give the others an --output FILE"
        )
    seen: dict[Any, tuple[str, str]] = {}
    for fmt, path in out:
        if path is None:
            continue
        for key in _output_identity(path):
            if key in seen:
                first_path, first_fmt = seen[key]
                same = "is given twice" if first_path == path else f"is the same file as --output {first_path}"
                raise CliError(f"--output {path} {same} (for {first_fmt} and {fmt})")
        for key in _output_identity(path):
            seen[key] = (path, fmt)
    return out


def _order_by_position(formats: Sequence[str], outputs: Sequence[str]) -> list[str]:
    """The order to assume when click does not report it: only where every order pairs alike."""
    if not outputs:
        return ["formats"] * len(formats)
    if not formats:
        return ["outputs"] * len(outputs)
    if len(formats) == len(outputs):
        return ["formats", "outputs"] * len(formats)
    raise CliError(
        "cannot tell which --output belongs to which --format (this click version does not report the option order); "
        "give every --format its own --output, with - for stdout"
    )


def _output_identity(path: str) -> list[Any]:
    """What makes two --output paths the same file: the resolved path, and the file itself when it exists."""
    keys: list[Any] = [("path", os.path.normcase(os.path.realpath(path)))]
    try:
        st = os.stat(path)
    except OSError:
        return keys
    if stat.S_ISDIR(st.st_mode):
        raise CliError(f"cannot write {path}: is a directory; give --output a file name")
    keys.append(("file", st.st_dev, st.st_ino))
    return keys


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: bytes) -> None:
    """Write a report to ``path``: atomically when it is (or will be) a regular file.

    A regular file is replaced atomically (a temp file beside it, then
    os.replace): readers never see a partial file, a failure leaves any previous
    file untouched and no temp file behind, and the file keeps its permissions.
    Through a symlink, the file it points to is replaced (the link stays).  An
    existing FIFO or character device (``/dev/null``, ``/dev/stdout``, a
    process substitution) is written in place, never replaced.  A directory,
    block device or socket is refused (OSError).
    """
    try:
        st = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise OSError(errno.EISDIR, "is a directory", path)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            _write_in_place(path, data)
            return
        raise OSError(errno.EINVAL, "not a regular file, FIFO or character device", path)
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            with contextlib.suppress(OSError):  # filesystems without fsync
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_in_place(path: str, data: bytes) -> None:
    """Write to an existing FIFO or character device without creating, truncating or replacing it."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="backslashreplace")


def _write_stdout(data: bytes) -> None:
    stream = getattr(sys.stdout, "buffer", None)
    try:
        if stream is None:  # a text-only stdout (embedding)
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        else:
            sys.stdout.flush()
            stream.write(data)
            stream.flush()
    except BrokenPipeError:
        # the reader went away (`| head`): stop writing, keep the exit code
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
