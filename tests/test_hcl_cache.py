"""HCL mode's caches: the pickled parser object, Lark's serialized parser and the per-file parse trees.

All live in the private ``$XDG_CACHE_HOME/ctj-policy`` (ctj_policy.cache).  A
cache may only make a run faster: a damaged or stale entry is rebuilt, never
trusted, and a cached run gives exactly the trees a fresh parse gives.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import TERRAFORM, run_cli
from ctj_policy import cache
from ctj_policy.loaders import hcl_parse

TF_FILES = sorted(TERRAFORM.rglob("*.tf"))


@pytest.fixture(scope="module")
def grammar_cache(tmp_path_factory) -> Path:
    """A cache directory holding Lark's grammar cache (built once for the module: a few seconds)."""
    home = tmp_path_factory.mktemp("xdg")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(home))
    mp.setattr(hcl_parse, "_PARSER", None)
    try:
        hcl_parse.get_parser()
    finally:
        mp.undo()
    grammar = list((home / "ctj-policy").glob("grammar-*.lark"))
    assert len(grammar) == 1
    return home


@pytest.fixture(autouse=True)
def _fresh_directory_check(monkeypatch):
    """Each test checks its cache directory anew (the module remembers the check per process)."""
    monkeypatch.setattr(cache, "_checked", {})


@pytest.fixture
def cache_home(grammar_cache, monkeypatch) -> Path:
    """The module's cache directory with only Lark's serialized parser left in it; the module state reset."""
    directory = grammar_cache / "ctj-policy"
    for entry in directory.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        elif not entry.name.startswith("grammar-"):
            entry.unlink()
    monkeypatch.setenv("XDG_CACHE_HOME", str(grammar_cache))
    monkeypatch.delenv("CTJ_POLICY_NO_CACHE", raising=False)
    monkeypatch.setattr(hcl_parse, "_PARSER", None)
    monkeypatch.setattr(hcl_parse, "_CACHE", {})
    return directory


def _pickles(directory: Path) -> list[Path]:
    return list(directory.glob("parser-*.pickle"))


def _forbid_building(monkeypatch):
    import lark

    def boom(*args, **kwargs):
        raise AssertionError("the parser was rebuilt instead of loaded from its pickle")

    monkeypatch.setattr(lark.Lark, "__init__", boom)


def test_parser_pickle_is_written_then_used(cache_home, monkeypatch):
    hcl_parse.get_parser()
    assert len(_pickles(cache_home)) == 1
    monkeypatch.setattr(hcl_parse, "_PARSER", None)
    _forbid_building(monkeypatch)
    parser = hcl_parse.get_parser()
    assert parser.parse('a = "b"\n') is not None


def test_pickled_parser_gives_the_same_trees_as_lark(cache_home, monkeypatch):
    built = hcl_parse.get_parser()  # built by Lark (from its grammar cache), then pickled
    monkeypatch.setattr(hcl_parse, "_PARSER", None)
    _forbid_building(monkeypatch)
    loaded = hcl_parse.get_parser()
    assert loaded is not built
    assert len(TF_FILES) > 30
    for path in TF_FILES:
        text = path.read_text() + "\n"
        assert loaded.parse(text) == built.parse(text), path


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01."])  # empty, junk, a pickled int
def test_damaged_parser_pickle_is_rebuilt(cache_home, monkeypatch, damage):
    hcl_parse.get_parser()
    [pickle_file] = _pickles(cache_home)
    pickle_file.write_bytes(damage)
    monkeypatch.setattr(hcl_parse, "_PARSER", None)
    parser = hcl_parse.get_parser()
    assert parser.parse('a = "b"\n') is not None
    assert pickle_file.stat().st_size > 100_000  # written again


def test_parser_pickle_key_follows_the_grammar_file(tmp_path):
    grammar, postlexer = tmp_path / "hcl2.lark", tmp_path / "postlexer.py"
    grammar.write_text("start: x\n")
    postlexer.write_text("")
    first = hcl_parse._parser_key(grammar, postlexer, "1.3.1")
    assert first == hcl_parse._parser_key(grammar, postlexer, "1.3.1")
    assert first != hcl_parse._parser_key(grammar, postlexer, "1.3.2")
    grammar.write_text("start: x y\n")
    assert first != hcl_parse._parser_key(grammar, postlexer, "1.3.1")


def _snapshot(tf):
    return [(b.type, b.labels, b.line, sorted(b.attrs), len(b.blocks)) for b in tf.blocks]


def cached_tree(src: Path):
    raw = src.read_bytes()
    tree = hcl_parse._cached_tree(hcl_parse._tree_entry(raw), raw.decode() + "\n")
    assert tree is not None
    return tree


def _dump(node) -> tuple:
    if isinstance(node, hcl_parse.T):
        return (node.type, str(node), node.line)
    return (node.data, tuple(_dump(c) for c in node.children))


def test_parse_cache_round_trip_and_damage(cache_home, tmp_path, monkeypatch):
    src = tmp_path / "main.tf"
    shutil.copy(TERRAFORM / "stage1" / "projects" / "civic-tech-jobs" / "civic-tech-jobs.tf", src)
    fresh = hcl_parse.parse_file(src, "main.tf")
    entries = list(cache_home.glob("tree-*"))
    assert len(entries) == 1

    def no_parsing(text, file):
        raise AssertionError("parsed again although the parse cache holds the file")

    monkeypatch.setattr(hcl_parse, "_CACHE", {})
    with monkeypatch.context() as m:
        m.setattr(hcl_parse, "parse_tree", no_parsing)
        cached = hcl_parse.parse_file(src, "main.tf")
    assert _snapshot(cached) == _snapshot(fresh)
    assert _dump(cached_tree(src)) == _dump(hcl_parse.parse_tree(src.read_text(), "main.tf"))

    monkeypatch.setattr(hcl_parse, "_CACHE", {})
    entries[0].write_bytes(b"garbage")
    again = hcl_parse.parse_file(src, "main.tf")
    assert _snapshot(again) == _snapshot(fresh)


@pytest.mark.parametrize("switch", ["1", "trees", "parser,trees"])
def test_no_cache_env_writes_no_parse_cache(cache_home, tmp_path, monkeypatch, switch):
    monkeypatch.setenv("CTJ_POLICY_NO_CACHE", switch)
    src = tmp_path / "main.tf"
    src.write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    tf = hcl_parse.parse_file(src, "main.tf")
    assert [(b.type, b.labels, b.line) for b in tf.blocks] == [("resource", ["aws_s3_bucket", "b"], 1)]
    assert not list(cache_home.glob("tree-*"))


def test_no_cache_env_turns_every_cache_off(cache_home, monkeypatch):
    """One switch: CTJ_POLICY_NO_CACHE=1 reads and writes nothing (the parser is built from the grammar)."""
    monkeypatch.setenv("CTJ_POLICY_NO_CACHE", "1")
    before = sorted(p.name for p in cache_home.iterdir())
    loads = []
    monkeypatch.setattr(cache, "load", lambda *a: loads.append(a))
    assert hcl_parse.get_parser().parse('a = "b"\n') is not None
    assert loads == [] and sorted(p.name for p in cache_home.iterdir()) == before


def test_symlinked_file_keeps_the_name_it_was_read_under(tmp_path):
    """fixtures/terraform/legacy shares files with stage1 through symlinks: a
    finding in either tree must name that tree's file, even in one process."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text('resource "aws_ecr_repository" "this" {\n  name = "x"\n}\n')
    (tmp_path / "b" / "main.tf").symlink_to(tmp_path / "a" / "main.tf")
    first = hcl_parse.parse_file(tmp_path / "a" / "main.tf", "a/main.tf")
    second = hcl_parse.parse_file(tmp_path / "b" / "main.tf", "b/main.tf")
    assert [b.file for b in first.blocks] == ["a/main.tf"]
    assert [b.file for b in second.blocks] == ["b/main.tf"]
    assert second.blocks[0].attrs["name"].file == "b/main.tf"


def test_fixture_trees_share_files_by_symlink_only_where_identical():
    """legacy differs from stage1 only in the CTJ project; the rest are links, and every link resolves."""
    legacy = TERRAFORM / "legacy"
    links = [p for p in legacy.rglob("*.tf") if p.is_symlink()]
    assert len(links) >= 10
    for link in links:
        target = link.resolve()
        assert target.is_file(), link
        assert (TERRAFORM / "stage1") in target.parents, link
    own = sorted(p.relative_to(legacy).as_posix() for p in legacy.rglob("*.tf") if not p.is_symlink())
    assert own == ["projects/civic-tech-jobs/civic-tech-jobs.tf", "projects/civic-tech-jobs/environment-stage.tf"]


def test_parser_pickle_is_private_whatever_the_umask(cache_home):
    old = os.umask(0o002)  # Debian's default for user-private groups
    try:
        hcl_parse.get_parser()
    finally:
        os.umask(old)
    [pickle_file] = _pickles(cache_home)
    assert pickle_file.stat().st_mode & 0o077 == 0
    assert hcl_parse._read_parser_pickle(_key()) is not None


def _key() -> str:
    return hcl_parse._parser_key(*_grammar_files(), __import__("lark").__version__)


def test_parser_pickle_writable_by_others_is_not_loaded(cache_home, monkeypatch):
    """A pickle runs code when loaded: one that others could have written is rebuilt, not trusted."""
    hcl_parse.get_parser()
    [pickle_file] = _pickles(cache_home)
    pickle_file.chmod(0o666)
    monkeypatch.setattr(hcl_parse, "_PARSER", None)
    assert pickle_file.name == hcl_parse._parser_pickle_name(_key())
    assert hcl_parse._read_parser_pickle(_key()) is None
    hcl_parse.get_parser()  # rebuilt and written again, privately
    [pickle_file] = _pickles(cache_home)
    assert pickle_file.stat().st_mode & 0o077 == 0
    assert hcl_parse._read_parser_pickle(_key()) is not None


def _grammar_files():
    import importlib.util

    origin = Path(importlib.util.find_spec("hcl2").origin).parent
    return origin / "hcl2.lark", origin / "postlexer.py"


# --------------------------------------------------------------------------
# the private cache directory (issue 13, point 1) and a relative XDG_CACHE_HOME (point 12)
# --------------------------------------------------------------------------

POSIX_OWNER = hasattr(os, "geteuid")


@pytest.fixture
def xdg(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("CTJ_POLICY_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_evicted", False)
    return home


def test_directory_is_created_private(xdg):
    d = cache.directory()
    assert d == xdg / "ctj-policy"
    assert d.stat().st_mode & 0o777 == 0o700
    assert cache.store("tree-x", b"payload")
    assert (d / "tree-x").stat().st_mode & 0o777 == 0o600
    assert cache.load("tree-x", 100) == b"payload"


@pytest.mark.skipif(not POSIX_OWNER, reason="no POSIX owners and modes on this platform")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_directory_others_can_write_is_refused(xdg, mode):
    (xdg / "ctj-policy").mkdir(parents=True)
    (xdg / "ctj-policy").chmod(mode)
    assert cache.directory() is None
    assert not cache.store("tree-x", b"payload") and cache.load("tree-x", 100) is None


def test_symlinked_directory_is_refused(xdg, tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    xdg.mkdir()
    (xdg / "ctj-policy").symlink_to(real)
    assert cache.directory() is None


@pytest.mark.skipif(not POSIX_OWNER or os.geteuid() != 0, reason="needs root to give the directory to another user")
def test_directory_of_another_user_is_refused(xdg):
    (xdg / "ctj-policy").mkdir(parents=True, mode=0o700)
    os.chown(xdg / "ctj-policy", 65534, 65534)
    assert cache.directory() is None


@pytest.mark.skipif(not POSIX_OWNER, reason="no POSIX owners and modes on this platform")
def test_world_writable_parent_is_refused_unless_sticky(xdg):
    xdg.mkdir()
    xdg.chmod(0o777)
    assert cache.directory() is None
    cache._checked.clear()
    xdg.chmod(0o1777)  # like /tmp: others cannot rename our directory away
    assert cache.directory() == xdg / "ctj-policy"


@pytest.mark.skipif(not POSIX_OWNER, reason="no POSIX owners and modes on this platform")
def test_a_readable_directory_of_ours_is_made_private_and_emptied(xdg):
    """An older ctj-policy left ~/.cache/ctj-policy 0755 with 0644 parse trees holding source text."""
    old = xdg / "ctj-policy"
    (old / "parsed" / "ab").mkdir(parents=True)
    (old / "parsed" / "ab" / "x.marshal").write_text("secret default")
    (old / "hcl2-parser-1.pickle").write_bytes(b"x")
    old.chmod(0o755)
    assert cache.directory() == old
    assert old.stat().st_mode & 0o777 == 0o700
    assert list(old.iterdir()) == []


def test_relative_xdg_cache_home_is_ignored(tmp_path, monkeypatch):
    """The XDG spec: a relative path is invalid and must be ignored (not a cache in the cwd)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relcache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.directory() == tmp_path / "home" / ".cache" / "ctj-policy"
    assert not (tmp_path / "relcache").exists()


def test_relative_xdg_cache_home_writes_nothing_in_the_cwd(tmp_path):
    """End to end (fails before the fix: the cache went to ./relcache/ctj-policy)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text('resource "aws_ecr_repository" "r" {\n  name = "x"\n}\n')
    out = run_cli("check", str(work), cwd=work, env={"XDG_CACHE_HOME": "relcache", "HOME": str(tmp_path / "home")})
    assert out.returncode in (0, 1), out.stderr
    assert sorted(p.name for p in work.iterdir()) == ["main.tf"]
    assert (tmp_path / "home" / ".cache" / "ctj-policy").is_dir()


@pytest.mark.skipif(not POSIX_OWNER, reason="no POSIX owners and modes on this platform")
def test_entry_others_could_write_or_read_is_not_used(xdg):
    assert cache.store("tree-x", b"payload")
    entry = cache.directory() / "tree-x"
    entry.chmod(0o666)
    assert cache.load("tree-x", 100) is None
    assert not entry.exists()  # removed, to be rebuilt


def test_symlinked_entry_is_not_followed(xdg, tmp_path):
    assert cache.store("tree-real", b"payload")
    d = cache.directory()
    (d / "tree-x").symlink_to(d / "tree-real")
    assert cache.load("tree-x", 100) is None
    assert not (d / "tree-x").is_symlink() and (d / "tree-real").exists()


def test_store_replaces_a_planted_symlink_and_never_writes_through_it(xdg, tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    victim.chmod(0o600)
    d = cache.directory()
    (d / "tree-x").symlink_to(victim)
    assert cache.store("tree-x", b"payload")
    assert victim.read_bytes() == b"precious"
    assert not (d / "tree-x").is_symlink() and cache.load("tree-x", 100) == b"payload"


def test_scratch_files_are_created_exclusively(xdg, monkeypatch):
    """A scratch name that exists (planted) is never opened: the store fails, nothing is written through."""
    d = cache.directory()
    target = d / "planted"
    target.write_bytes(b"keep")
    monkeypatch.setattr(cache, "scratch_name", lambda name: "planted")
    assert not cache.store("tree-x", b"payload")
    assert target.read_bytes() == b"keep" and not (d / "tree-x").exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-1],  # torn write
        lambda raw: raw[:20],  # torn header
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # flipped bit: digest mismatch
        lambda raw: b"XXXX" + raw[4:],  # wrong magic
        lambda raw: b"",
    ],
)
def test_damaged_entries_are_removed(xdg, damage):
    assert cache.store("tree-x", b"some payload")
    entry = cache.directory() / "tree-x"
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.load("tree-x", 100) is None
    assert not entry.exists()


def test_oversized_entry_is_not_loaded(xdg):
    assert cache.store("tree-x", b"x" * 1000)
    assert cache.load("tree-x", 999) is None


def test_eviction_keeps_the_directory_bounded_oldest_trees_first(xdg):
    d = cache.directory()
    for i in range(10):
        assert cache.store(f"tree-{i}", b"x" * 1000)
        os.utime(d / f"tree-{i}", (1000 + i, 1000 + i))
    assert cache.store("parser-1.pickle", b"p" * 1000)
    os.utime(d / "parser-1.pickle", (1, 1))  # the oldest of all, but not a tree
    cache.evict(max_bytes=8 * 1048, force=True)
    left = sorted(p.name for p in d.iterdir())
    assert "parser-1.pickle" in left
    assert "tree-0" not in left and "tree-9" in left
    assert sum(p.stat().st_size for p in d.iterdir()) <= 6 * 1048


def test_parse_tree_entries_hold_no_source_text(cache_home, tmp_path):
    """A sensitive default must not sit in the cache in clear: entries keep token offsets, not text."""
    src = tmp_path / "main.tf"
    src.write_text('variable "db_password" {\n  sensitive = true\n  default   = "hunter2-cache-leak"\n}\n')
    hcl_parse.parse_file(src, "main.tf")
    [entry] = cache_home.glob("tree-*")
    assert entry.stat().st_mode & 0o077 == 0
    assert b"hunter2" not in entry.read_bytes()


def test_forged_tree_that_expands_enormously_is_rebuilt(cache_home, tmp_path):
    """A small entry whose shared tuples expand to millions of nodes (50**5), digest and all: rejected by
    its shape (node count bounded by the source size), rebuilt, no crash."""
    import marshal

    src = tmp_path / "main.tf"
    src.write_text('a = "b"\n')
    raw = src.read_bytes()
    leaf = ("NAME", "x", 1)
    bomb = leaf
    for _ in range(5):
        bomb = ("body", (bomb,) * 50)
    name = hcl_parse._tree_entry(raw)
    assert cache.store(name, marshal.dumps(("start", (bomb,))))
    assert len((cache_home / name).read_bytes()) < 4000
    tf = hcl_parse.parse_file(src, "main.tf")
    assert list(tf.attrs) == ["a"]


@pytest.mark.parametrize(
    "form",
    [
        ("start",),  # wrong shape
        ("start", [("x", 0, 1, 1)]),  # a list, not a tuple
        ("start", (("NAME", 5, 2, 1),)),  # end before start
        ("start", (("NAME", 0, 10_000, 1),)),  # beyond the source
        ("start", (("NAME", 0, 1, 1), ("NAME", 0, 1, 1))),  # tokens out of order
        ("start", ((1, 0, 1, 1),)),  # a token type that is not a string
    ],
)
def test_forged_tree_of_the_wrong_shape_is_rebuilt(cache_home, tmp_path, form):
    import marshal

    src = tmp_path / "main.tf"
    src.write_text('a = "b"\n')
    name = hcl_parse._tree_entry(src.read_bytes())
    assert cache.store(name, marshal.dumps(form))
    assert list(hcl_parse.parse_file(src, "main.tf").attrs) == ["a"]
    assert len(list(cache_home.glob("tree-*"))) == 1  # rebuilt


def test_deep_forged_tree_is_rebuilt_not_a_recursion_error(cache_home, tmp_path):
    import marshal

    src = tmp_path / "main.tf"
    src.write_text('a = "b"\n')
    deep = ("NAME", 0, 1, 1)
    for _ in range(400):  # marshal itself stops near 1,000 levels; the tree limit is 128
        deep = ("body", (deep,))
    name = hcl_parse._tree_entry(src.read_bytes())
    assert cache.store(name, marshal.dumps(("start", (deep,))))
    assert list(hcl_parse.parse_file(src, "main.tf").attrs) == ["a"]
