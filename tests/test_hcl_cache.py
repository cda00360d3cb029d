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

from ctj_policy import cache
from ctj_policy.loaders import hcl_parse

from conftest import TERRAFORM

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
