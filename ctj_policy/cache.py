"""ctj-policy's on-disk cache: one private directory of validated entries.

Everything kept here is derived data that a run can rebuild (the HCL
parser object, Lark's grammar cache, parse trees of ``.tf`` files), so a cache
can only make a run faster, never change what it finds:

- The directory is ``$XDG_CACHE_HOME/ctj-policy`` (``~/.cache/ctj-policy``;
  a relative ``XDG_CACHE_HOME`` is ignored, as the XDG spec says).  It is used
  only when it is a real directory (not a symlink) owned by this user that
  nobody else can write, in a parent that not everyone can write (unless it
  is sticky, like /tmp); otherwise the run goes on without any cache.  It is
  created 0700; a directory of ours that others could read is made 0700 and
  emptied.  Entries are read through a descriptor and checked there, so even
  a directory swapped behind our back only yields entries that are ours.
- An entry is written to a fresh file (``O_CREAT|O_EXCL|O_NOFOLLOW``, mode
  0600) and renamed into place, so no planted name is ever written through.
- An entry is read only when it is a regular file owned by this user that
  nobody else can read or write, no larger than its kind allows, and when its
  header's length and SHA-256 digest match the payload.  Anything else is
  removed and rebuilt.  (The digest guards against damage: a torn write, a
  full disk, a flipped bit.  Forgery is what the private directory prevents.)
- The directory's total size is bounded: after a run stores something, the
  oldest entries (parse trees first) are evicted.

One switch turns caching off: ``CTJ_POLICY_NO_CACHE=1`` (any value).  A comma
list of kinds (``trees``, ``parser``, ``grammar``) turns off only those, which
the benchmarks use to measure each cache's worth.

Standard library only; nothing here knows what the entries hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import struct
from pathlib import Path

ENV = "CTJ_POLICY_NO_CACHE"
KINDS = ("trees", "parser", "grammar")
NAME = "ctj-policy"

MAGIC = b"CTJC\x02\x00\x00\x00"
_HEADER = struct.Struct(">8sQ32s")  # magic, payload length, sha256(payload)
MAX_TOTAL_BYTES = 96 * 1024 * 1024  # the whole directory (evicted down to 3/4 of it)
MAX_ENTRIES = 4000
_STALE_TMP_SECONDS = 3600

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted as an entry must not block the open
_O_BINARY = getattr(os, "O_BINARY", 0)
_POSIX = hasattr(os, "geteuid")

_checked: dict[tuple, Path | None] = {}
_evicted = False


def disabled(kind: str) -> bool:
    """Is the cache of ``kind`` (one of :data:`KINDS`) switched off by ``CTJ_POLICY_NO_CACHE``?"""
    value = os.environ.get(ENV, "")
    if not value:
        return False
    kinds = {k.strip() for k in value.split(",")}
    if kinds and kinds <= set(KINDS):
        return kind in kinds
    return True


def directory() -> Path | None:
    """The checked private cache directory (created when missing), or None: run without a cache."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    home = os.environ.get("HOME", "")
    key = (base, home)
    if key not in _checked:
        _checked[key] = _open_directory(base)
    return _checked[key]


def _cache_base(xdg: str) -> str | None:
    if xdg and os.path.isabs(xdg):
        return xdg
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return None
    return os.path.join(home, ".cache")


def _open_directory(xdg: str) -> Path | None:
    base = _cache_base(xdg)
    if base is None:
        return None
    path = os.path.join(base, NAME)
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        parent = os.stat(base)
        st = os.lstat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(st.st_mode):
        return None  # a symlink or a file: not ours to use
    if not _POSIX:
        return Path(path)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None  # someone else's, or others can plant entries in it
    if parent.st_mode & 0o002 and not parent.st_mode & stat.S_ISVTX:
        return None  # anyone could swap the directory for theirs
    if st.st_mode & 0o077:
        # ours, but others can read it (an older ctj-policy made it 0755 and its
        # entries 0644): make it private and drop what others may have read
        try:
            os.chmod(path, 0o700)
        except OSError:
            return None
        _purge(Path(path))
    return Path(path)


def _purge(path: Path) -> None:
    import shutil

    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        p = path / name
        try:
            if stat.S_ISDIR(os.lstat(p).st_mode):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        except OSError:
            pass


def _valid_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and all(c.isalnum() or c in "._-" for c in name) and name.isascii()


def _own_private_file(st: os.stat_result, max_bytes: int) -> bool:
    if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
        return False
    return not (_POSIX and (st.st_uid != os.geteuid() or st.st_mode & 63))


def _read_fd(fd: int, size: int) -> bytes:
    chunks = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_file(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of a regular file of ours (never through a symlink), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC | _O_BINARY)
    except FileNotFoundError:
        return None
    except OSError:
        discard(path.name)  # a symlink (ELOOP) or unreadable: not an entry of ours
        return None
    try:
        st = os.fstat(fd)
        if not _own_private_file(st, max_bytes):
            data = None
        else:
            data = _read_fd(fd, st.st_size)
            if len(data) != st.st_size:
                data = None
    except OSError:
        data = None
    finally:
        os.close(fd)
    if data is None:
        discard(path.name)
    return data


def load(name: str, max_bytes: int) -> bytes | None:
    """The payload of entry ``name`` when it is present and valid; a damaged entry is removed."""
    d = directory()
    if d is None or not _valid_name(name):
        return None
    raw = _read_file(d / name, max_bytes + _HEADER.size)
    if raw is None:
        return None
    if len(raw) < _HEADER.size:
        discard(name)
        return None
    magic, length, digest = _HEADER.unpack_from(raw)
    payload = raw[_HEADER.size :]
    if magic != MAGIC or length != len(payload) or hashlib.sha256(payload).digest() != digest:
        discard(name)
        return None
    return payload


def store(name: str, payload: bytes) -> bool:
    """Write entry ``name`` (a fresh private file renamed into place); False when it could not be."""
    d = directory()
    if d is None or not _valid_name(name):
        return False
    header = _HEADER.pack(MAGIC, len(payload), hashlib.sha256(payload).digest())
    ok = _write_new(d, name, (header, payload))
    if ok:
        evict()
    return ok


def _write_new(d: Path, name: str, parts: tuple) -> bool:
    tmp = d / scratch_name(name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            for part in parts:
                fh.write(part)
        os.replace(tmp, d / name)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def scratch_name(name: str) -> str:
    """A fresh name for a file being written (a dot name: never read as an entry)."""
    return f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"


def discard(name: str) -> None:
    d = directory()
    if d is None or not name:
        return
    with contextlib.suppress(OSError):
        os.unlink(d / name)


# --------------------------------------------------------------------------
# bounded size
# --------------------------------------------------------------------------


def evict(max_bytes: int = MAX_TOTAL_BYTES, max_entries: int = MAX_ENTRIES, force: bool = False) -> None:
    """Keep the directory under its bounds (once per process unless ``force``): the oldest
    entries go first, parse trees before the parser; stale scratch files and
    anything an older version left are removed."""
    global _evicted
    if _evicted and not force:
        return
    _evicted = True
    d = directory()
    if d is None:
        return
    import time

    now = time.time()
    entries = []
    total = 0
    try:
        scan = list(os.scandir(d))
    except OSError:
        return
    for e in scan:
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        name = e.name
        if name.startswith("."):
            if name.endswith(".tmp") and now - st.st_mtime > _STALE_TMP_SECONDS:
                discard(name)
            continue
        if not stat.S_ISREG(st.st_mode) or not _valid_name(name):
            if stat.S_ISDIR(st.st_mode) and not e.is_symlink():
                import shutil

                shutil.rmtree(e.path, ignore_errors=True)  # an older version's layout (parsed/)
            else:
                discard(name)
            continue
        total += st.st_size
        entries.append((0 if name.startswith("tree-") else 1, st.st_mtime, name, st.st_size))
    if total <= max_bytes and len(entries) <= max_entries:
        return
    entries.sort()
    keep_bytes, keep_entries = max_bytes * 3 // 4, max_entries * 3 // 4
    count = len(entries)
    for _, _, name, size in entries:
        if total <= keep_bytes and count <= keep_entries:
            break
        discard(name)
        total -= size
        count -= 1
