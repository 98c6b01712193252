"""``-o`` as a desktop user expects it: through a symbolic link to its target (the link kept),
never over a read-only file (bad input, exit 2, naming the path, before any work), and every
write error naming the path."""

from __future__ import annotations

import errno
import os

import pytest
from cli_test_helpers import assert_one_line_error, preset_obj, run_cli, write

from bpviz.core.fileformat import load


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


COMMANDS = {
    "train": lambda out: ["train", "mazur", "--steps", "2", "-o", out],
    "explain": lambda out: ["explain", "mazur", "-o", out],
    "export": lambda out: ["export", "mazur", "-o", out, "--size", "320x200"],
}
SUFFIX = {"train": ".bpviz.json", "explain": ".md", "export": ".png"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_o_onto_a_read_only_file_is_bad_input(tmp_path, capsys, command):
    out = tmp_path / f"ro{SUFFIX[command]}"
    out.write_bytes(b"keep me")
    os.chmod(out, 0o444)
    code, stdout, err = run_cli(capsys, *COMMANDS[command](str(out)))
    assert code == 2 and stdout == ""
    assert assert_one_line_error(err) == f"{out}: the file is read-only"
    assert out.read_bytes() == b"keep me" and names(tmp_path) == [out.name]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_o_through_a_link_writes_its_target_and_keeps_the_link(tmp_path, capsys, command):
    real = tmp_path / "real"
    real.mkdir()
    target = real / f"file{SUFFIX[command]}"
    target.write_bytes(b"old")
    link = tmp_path / f"link{SUFFIX[command]}"
    link.symlink_to(os.path.relpath(target, tmp_path))
    code, _, err = run_cli(capsys, *COMMANDS[command](str(link)))
    assert code == 0, err
    assert link.is_symlink() and target.read_bytes() != b"old"
    assert names(real) == [target.name]
    if command == "train":
        load(target)  # a whole bpviz/1 file


def test_o_through_a_dangling_link_into_a_missing_folder_is_bad_input(tmp_path, capsys):
    link = tmp_path / "out.bpviz.json"
    link.symlink_to("gone/out.bpviz.json")
    code, _, err = run_cli(capsys, "train", "mazur", "--steps", "1", "-o", str(link))
    assert code == 2
    assert assert_one_line_error(err) == f"{link}: folder {tmp_path / 'gone'} does not exist"
    assert link.is_symlink() and names(tmp_path) == ["out.bpviz.json"]


def test_o_onto_a_link_loop_says_so(tmp_path, capsys):
    link = tmp_path / "loop.md"
    link.symlink_to("loop.md")
    code, _, err = run_cli(capsys, "explain", "mazur", "-o", str(link))
    assert code == 2 and "loop of symbolic links" in assert_one_line_error(err)
    assert link.is_symlink()


def test_a_full_disk_names_the_path(tmp_path, capsys, monkeypatch):
    """The issue saw ``bpviz: : No space left on device``."""
    import bpviz.core.atomic as atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "net.bpviz.json"
    code, _, err = run_cli(capsys, "train", "mazur", "--steps", "1", "-o", str(out))
    assert code == 2
    assert err == f"bpviz: {out}: No space left on device\n"
    assert names(tmp_path) == []


def test_a_read_only_frame_stops_all_phases_before_the_first_is_written(tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    frame = folder / "05-out-o.png"
    frame.write_bytes(b"keep")
    os.chmod(frame, 0o444)
    code, _, err = run_cli(capsys, "export", "mazur", "--all-phases", "-o", str(folder), "--size", "320x200")
    assert code == 2 and assert_one_line_error(err) == f"{frame}: the file is read-only"
    assert names(folder) == ["05-out-o.png"] and frame.read_bytes() == b"keep"


def test_all_phases_with_a_slash_in_a_layer_name(tmp_path, capsys):
    """A valid file whose layer name holds a '/' exports: the frame names are sanitised."""
    obj = preset_obj("mazur")
    obj["layers"][1]["name"] = "h/1"
    src = write(tmp_path / "slash.bpviz.json", obj)
    folder = tmp_path / "frames"
    code, _, err = run_cli(capsys, "export", src, "--all-phases", "-o", str(folder), "--size", "320x200")
    assert code == 0, err
    assert "02-net-h-1.png" in names(folder) and len(names(folder)) == 13
