"""bpviz.core.atomic: saves do what a desktop user expects — through a symbolic link to its
target (the link kept), a read-only file replaced only when asked, no temporary file left by a
failed or interrupted save (and a killed save's swept by the next one), every error naming the
path the caller gave."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time

import pytest

import bpviz.core.atomic as atomic
from bpviz.core.atomic import (
    ReadOnlyFileError,
    check_writable,
    is_read_only,
    sweep_stale_temps,
    temp_name_pattern,
    write_atomic,
    write_target,
)


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def dirs(tmp_path):
    real, links = tmp_path / "real", tmp_path / "links"
    real.mkdir()
    links.mkdir()
    return real, links


# ------------------------------------------------------------------------- symbolic links
def test_a_save_through_a_link_replaces_its_target_and_keeps_the_link(dirs):
    real, links = dirs
    (real / "net.json").write_text("old")
    os.chmod(real / "net.json", 0o640)
    (links / "net.json").symlink_to("../real/net.json")  # relative, as `ln -s` makes them
    write_atomic(links / "net.json", "new")
    assert (links / "net.json").is_symlink()
    assert os.readlink(links / "net.json") == "../real/net.json"
    assert (real / "net.json").read_text() == "new"
    assert stat.S_IMODE((real / "net.json").stat().st_mode) == 0o640  # the target's mode kept
    assert names(real) == ["net.json"] and names(links) == ["net.json"]  # no temporary file


def test_a_chain_of_links_ends_at_the_real_file(dirs):
    real, links = dirs
    (real / "a").write_text("old")
    (links / "one").symlink_to(real / "a")
    (links / "two").symlink_to("one")
    write_atomic(links / "two", b"\x89PNG")
    assert (real / "a").read_bytes() == b"\x89PNG"
    assert (links / "one").is_symlink() and (links / "two").is_symlink()
    assert write_target(links / "two") == real / "a"


def test_a_dangling_link_creates_its_target(dirs):
    real, links = dirs
    (links / "new.json").symlink_to("../real/new.json")
    write_atomic(links / "new.json", "made")
    assert (links / "new.json").is_symlink()
    assert (real / "new.json").read_text() == "made"


def test_a_dangling_link_into_a_missing_folder_says_so(dirs):
    real, links = dirs
    (links / "x.json").symlink_to("../nowhere/x.json")
    with pytest.raises(FileNotFoundError) as e:
        write_atomic(links / "x.json", "text")
    assert e.value.filename == str(links / "x.json")
    assert "nowhere" in e.value.strerror and "does not exist" in e.value.strerror
    assert (links / "x.json").is_symlink() and names(links) == ["x.json"]


@pytest.mark.parametrize("loop", [["self"], ["a", "b"]])
def test_a_link_loop_is_an_error_that_says_so(dirs, loop):
    _, links = dirs
    for name, to in zip(loop, loop[1:] + loop[:1], strict=True):
        (links / name).symlink_to(to)
    with pytest.raises(OSError) as e:
        write_atomic(links / loop[0], "text")
    assert e.value.errno == errno.ELOOP and "loop" in e.value.strerror
    assert all((links / n).is_symlink() for n in loop) and names(links) == sorted(loop)


# ------------------------------------------------------------------------- read-only files
def test_a_read_only_file_is_replaced_only_when_asked(tmp_path):
    path = tmp_path / "ro.json"
    path.write_text("old")
    os.chmod(path, 0o444)
    assert is_read_only(path)
    with pytest.raises(ReadOnlyFileError) as e:
        write_atomic(path, "new")
    assert isinstance(e.value, PermissionError)  # callers that catch OSError still report it
    assert e.value.filename == str(path) and "read-only" in e.value.strerror
    assert path.read_text() == "old" and names(tmp_path) == ["ro.json"]
    with pytest.raises(ReadOnlyFileError):
        check_writable(path)
    assert check_writable(path, replace_read_only=True) == path
    write_atomic(path, "new", replace_read_only=True)  # the user said yes
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # still read-only, as editors keep it
    assert names(tmp_path) == ["ro.json"]


def test_a_read_only_target_of_a_link_names_the_link_and_the_target(dirs):
    real, links = dirs
    (real / "t.json").write_text("old")
    os.chmod(real / "t.json", 0o444)
    (links / "t.json").symlink_to(real / "t.json")
    assert is_read_only(links / "t.json")
    with pytest.raises(ReadOnlyFileError) as e:
        write_atomic(links / "t.json", "new")
    assert e.value.filename == str(links / "t.json") and str(real / "t.json") in e.value.strerror


def test_what_is_not_read_only(tmp_path):
    (tmp_path / "w.json").write_text("x")
    assert not is_read_only(tmp_path / "w.json")
    assert not is_read_only(tmp_path / "missing.json")
    assert not is_read_only(tmp_path)  # a folder is another error (check_writable)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        check_writable(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_writable(tmp_path / "missing" / "x.json")


def test_a_pipe_is_written_to_not_replaced(tmp_path):
    """A file that is not a regular one (a pipe here; /dev/null, a terminal) is written as a
    shell's ``>`` writes it; the old code put a regular file in its place (as root, even over
    /dev/null: never test that on a real device)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the writer does not wait
    try:
        write_atomic(fifo, b"through the pipe")
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert names(tmp_path) == ["pipe"]


# ------------------------------------------------------------------ temporary files and errors
def test_the_temporary_name_pattern_is_the_one_used(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    write_atomic(tmp_path / "net.bpviz.json", "x")
    assert len(seen) == 1 and temp_name_pattern("net.bpviz.json").match(seen[0]), seen
    assert not temp_name_pattern("net.bpviz.json").match(".net.bpviz.json.tmp")
    assert not temp_name_pattern("net").match(seen[0])


def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    path.write_text("old")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new" * 1000)
    assert path.read_text() == "old" and names(tmp_path) == ["net.json"]


def test_a_killed_saves_temporary_file_is_swept_by_the_next_save(tmp_path):
    path = tmp_path / "net.json"
    path.write_text("old")
    stale, fresh, other = ".net.json.abcd_123.tmp", ".net.json.zz99xx00.tmp", ".other.json.abcd_123.tmp"
    for n in (stale, fresh, other, "net.json.abcd_123.tmp"):
        (tmp_path / n).write_text("half")
    hour_ago = time.time() - 3600
    for n in (stale, other, "net.json.abcd_123.tmp"):
        os.utime(tmp_path / n, (hour_ago, hour_ago))
    write_atomic(path, "new")
    # only the old temporary file of this very file: another save may still be writing the fresh one
    assert names(tmp_path) == sorted([fresh, other, "net.json", "net.json.abcd_123.tmp"])
    assert sweep_stale_temps(path, older_than=0) == [fresh]


def test_a_full_disk_names_the_path_not_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as e:
        write_atomic(path, "x")
    assert e.value.errno == errno.ENOSPC and e.value.filename == str(path)
    assert str(e.value) == f"[Errno 28] No space left on device: '{path}'"
    assert names(tmp_path) == []


def test_a_temporary_file_that_cannot_be_made_names_the_path(tmp_path, monkeypatch):
    path = tmp_path / "net.json"

    def refuse(prefix, suffix, dir):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, prefix + "x" + suffix))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as e:
        write_atomic(path, "x")
    assert e.value.filename == str(path) and ".tmp" not in str(e.value)
