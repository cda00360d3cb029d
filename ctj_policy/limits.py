"""Bounds on what ctj-policy reads, so a hostile or mistaken input fails closed with one line.

Standard library only; imports nothing from ctj_policy but :mod:`ctj_policy.errors`.

- Input size: a plan (file or stdin) may be at most :func:`max_input_bytes`
  bytes.  A real whole-account plan of the incubator is about 50 MB; the default
  allows ten times that.  ``CTJ_POLICY_MAX_INPUT_MB`` (a whole number of MB)
  changes it.
- Configuration files are small by nature: at most :data:`MAX_CONFIG_BYTES`.
- Only regular files are read (a FIFO, ``/dev/zero`` or a socket as the path
  would block or never end); stdin (``-``) is the way to pipe a plan in.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from typing import BinaryIO

from .errors import InputError, LimitError

MAX_INPUT_ENV = "CTJ_POLICY_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 512
MAX_CONFIG_BYTES = 4 * 1024 * 1024
_CHUNK = 8 * 1024 * 1024
_MB = 1024 * 1024


def max_input_bytes() -> int:
    """The largest plan input ctj-policy reads, in bytes (``CTJ_POLICY_MAX_INPUT_MB`` or 512 MB)."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * _MB
    if not raw.isascii() or not raw.isdigit() or int(raw) == 0 or len(raw) > 9:
        raise InputError(f"{MAX_INPUT_ENV} must be a whole number of megabytes between 1 and 999999999")
    return int(raw) * _MB


def describe_size(n: int) -> str:
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def _too_large(name: str, limit: int, what: str, env: bool) -> LimitError:
    how = f" (set {MAX_INPUT_ENV} to raise the limit)" if env else ""
    return LimitError(f"{name}: larger than {describe_size(limit)}, the most ctj-policy reads as {what}{how}")


def read_bounded(read: Callable[[int], bytes], limit: int, first: int) -> bytes | None:
    """Read until EOF; None when more than ``limit`` bytes come.  ``first`` sizes the first read."""
    chunk = read(min(first, limit) + 1)
    if not chunk:
        return b""
    chunks = [chunk]
    total = len(chunk)
    while total <= limit:
        chunk = read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_regular_file(path: str, *, limit: int, what: str = "a plan", env: bool = True, hint: str = "") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A FIFO, device, socket or directory is refused before anything is read
    (opened non-blocking, so a FIFO with no writer does not hang); the size is
    checked before reading and again while reading (a file that grows).
    Raises :class:`InputError` (``LimitError`` when too large) or OSError.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {_kind(st.st_mode)}, not a file{hint}")
        if st.st_size > limit:
            raise _too_large(path, limit, what, env)
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", buffering=0, closefd=True) as fh:
            fd = -1
            data = read_bounded(fh.read, limit, st.st_size or _CHUNK)
    finally:
        if fd >= 0:
            os.close(fd)
    if data is None:
        raise _too_large(path, limit, what, env)
    return data


def read_stdin(limit: int, stream: BinaryIO | None = None, what: str = "a plan") -> bytes:
    """All of stdin, at most ``limit`` bytes (LimitError beyond)."""
    if stream is None:
        stream = sys.stdin.buffer
    data = read_bounded(stream.read, limit, _CHUNK)
    if data is None:
        raise _too_large("<stdin>", limit, what, True)
    return data


__all__ = [
    "MAX_INPUT_ENV",
    "DEFAULT_MAX_INPUT_MB",
    "MAX_CONFIG_BYTES",
    "max_input_bytes",
    "read_bounded",
    "read_regular_file",
    "read_stdin",
    "describe_size",
]
