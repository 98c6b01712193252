"""Hostile files (issue 13): what reading a path does with objects that are not regular files,
and each class of file the fuzz run found — kept small as fixtures in ``hostile/`` — refused by
the loader with one line naming the JSON path, the same way by every command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bpviz.core import limits
from bpviz.core.fileformat import FormatError, dumps, load, loads
from bpviz.core.presets import preset_path, resolve

HOSTILE = Path(__file__).parent / "hostile"

# fixture → the JSON path its message names ("" : the file loads)
FIXTURES = {
    "dup-key-learning-rate": "learning_rate",
    "dup-key-layer-size": "layers[1].size",
    "surrogate-title": "title",
    "nul-layer-name": "layers[1].name",
    "bidi-label": "labels.neurons[2][0]",
    "init-7071x7071": "layers[0].size",
    "init-1-100000-1-100000-1": "layers[1].size",
    "init-1000-1000-1000": "layers",
    "init-200-layers-of-500": "layers",
    "session-step-1e18-shuffled": "session.step",
    "session-step-1e9-shuffled": "session.step",
    "xor-deep-target-minus-1e308": "data.targets[0][0]",
    "forward-overflow": "data.inputs[0]",
    "markup-title": "",
}


def one_line(msg: str) -> bool:
    return bool(msg.strip()) and "\n" not in msg and "\r" not in msg


def fixture(name: str) -> Path:
    return HOSTILE / f"{name}.bpviz.json"


def test_every_fixture_is_listed():
    assert sorted(p.name.removesuffix(".bpviz.json") for p in HOSTILE.glob("*.bpviz.json")) == sorted(
        FIXTURES
    )


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_hostile_file_gets_one_verdict_naming_its_path(name):
    where = FIXTURES[name]
    if not where:
        doc = load(fixture(name))
        assert loads(dumps(doc)).title == doc.title  # accepted: saved and read back as text
        return
    with pytest.raises(FormatError) as info:
        load(fixture(name))
    msg = str(info.value)
    assert info.value.json_path == where, msg
    assert msg.startswith(f"{fixture(name)}: {where}: "), msg
    assert one_line(msg) and len(msg) < 400, msg


def test_duplicate_key_names_the_key():
    msg = str(pytest.raises(FormatError, load, fixture("dup-key-learning-rate")).value)
    assert "learning_rate: " in msg and "more than once" in msg


def test_limits_are_checked_before_anything_is_allocated():
    """50 M weights declared in 400 bytes: refused without drawing them (the old loader drew
    them: 2.8 GB, then a MemoryError traceback)."""
    import tracemalloc

    text = fixture("init-7071x7071").read_text()
    tracemalloc.start()
    try:
        with pytest.raises(FormatError):
            loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_the_limits_admit_mnist_sized_networks():
    sizes = [784, 128, 10]
    assert limits.network_problem(sizes) is None
    assert limits.data_problem(60_000, sizes) is None  # MNIST's training set
    assert limits.data_problem(1_797, [64, 32, 10]) is None  # the 8×8 digits
    assert limits.network_problem([784, 512, 256, 10]) is None  # 535,040 weights
    assert limits.network_problem([7071, 7071]) is not None
    assert limits.network_problem([1000, 1000, 1000]) is not None  # 2 M weights
    assert limits.network_problem([1] * 10_000) is not None
    assert limits.data_problem(2_000_000, [2, 2, 1]) is not None


# ------------------------------------------------------------------------------ paths
def _in_time(fn, seconds: float = 5.0):
    """fn() in a thread; fails (instead of hanging the suite) when it does not return."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _refusal(path) -> str:
    with pytest.raises(FormatError) as info:
        _in_time(lambda: load(path))
    msg = str(info.value)
    assert one_line(msg) and msg.startswith(str(path) + ": "), msg
    return msg


def test_a_fifo_without_a_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.bpviz.json"
    os.mkfifo(fifo)
    assert "named pipe (FIFO)" in _refusal(fifo)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_symlink_to_a_device_is_refused_without_reading_it(tmp_path, device):
    link = tmp_path / "net.bpviz.json"
    link.symlink_to(device)
    assert "is a device" in _refusal(link)


def test_a_folder_is_refused(tmp_path):
    assert "is a folder" in _refusal(tmp_path)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        assert "socket" in _refusal(path)
    finally:
        s.close()


def test_a_symlink_loop_says_so_everywhere(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    assert "symlink loop" in _refusal(a)
    with pytest.raises(FormatError, match="symlink loop"):
        resolve(str(a))  # the command line's and the window's way in (was "no such file")


def test_a_dangling_symlink_names_its_target(tmp_path):
    link = tmp_path / "net.bpviz.json"
    link.symlink_to(tmp_path / "gone.json")
    assert "missing file" in _refusal(link) and "gone.json" in _refusal(link)
    with pytest.raises(FormatError, match="missing file"):
        resolve(str(link))


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    link = tmp_path / "net.bpviz.json"
    link.symlink_to(preset_path("mazur"))
    assert load(link).title == load(preset_path("mazur")).title


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.bpviz.json"
    path.write_text(preset_path("swap").read_text())
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    msg = _refusal(path)
    assert "is more than bpviz reads (at most 1 KB)" in msg


def test_a_file_name_with_control_characters_stays_one_line(tmp_path):
    msg = str(pytest.raises(FormatError, resolve, str(tmp_path / "a\nb\x1b.json")).value)
    assert one_line(msg) and "\\u000a" in msg


def test_binary_content_names_the_byte(tmp_path):
    path = tmp_path / "bin.bpviz.json"
    path.write_bytes(b'{"format": "bpviz/1", "title": "\xff"}')
    assert "byte 0xff at offset 32" in _refusal(path)


# ------------------------------------------------------------------------------ one verdict
def _run(argv, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, "-m", "bpviz", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    return r.returncode, r.stderr


@pytest.mark.parametrize(
    "name",
    ["xor-deep-target-minus-1e308", "session-step-1e9-shuffled", "markup-title"],
)
def test_every_command_gives_the_same_verdict(name, tmp_path):
    """trace, train, gradcheck and export in real processes: exit 0, 2 or 3, never a
    traceback, and the same verdict from all four (the fuzz run found trace 2, train 3,
    gradcheck 2, export 0 on the first file)."""
    path = str(fixture(name))
    commands = [
        ["trace", path],
        ["train", path, "--steps", "5"],
        ["gradcheck", path],
        ["export", path, "-o", str(tmp_path / "out.png"), "--size", "480x270"],
    ]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda argv: _run(argv, tmp_path), commands))
    for argv, (code, err) in zip(commands, results, strict=True):
        assert code in (0, 2, 3), (argv, code, err)
        assert "Traceback" not in err, (argv, err)
    codes = {code for code, _ in results}
    expected = {2} if FIXTURES[name] else {0}
    assert codes == expected, results
    if FIXTURES[name]:
        for _, err in results:
            assert len(err.strip().splitlines()) == 1 and FIXTURES[name] in err, err


def test_a_network_saved_after_it_diverged_still_loads(tmp_path):
    """E overflows only because the outputs are huge: the network's doing (training it
    diverges at once, exit 3), not bad input."""
    obj = json.loads(preset_path("linear").read_text())
    obj["weights"] = [[[1e80]], [[1e80], [1.0]]]
    doc = loads(json.dumps(obj))
    assert doc.network.weights[0][0, 0] == 1e80
