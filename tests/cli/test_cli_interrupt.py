"""Ctrl+C and long work on the command line: exit status 130 with one line and never a
traceback, nothing half-written, progress on a terminal only (scripts see the output they always
saw), Qt's drawing held until its file is written, and --steps bounded where every step is kept."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
import time

import pytest
from cli_test_helpers import assert_one_line_error, run_cli

import bpviz.cli.progress as progress_mod
from bpviz.cli import os_error_text
from bpviz.cli.args import MAX_JSON_STEPS, MAX_REPLAY_STEPS
from bpviz.cli.progress import Progress, deferred_interrupt, duration_text
from bpviz.core.training import Trainer


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ a real Ctrl+C, a real terminal
def _sigint_as_on_a_terminal() -> None:
    """In the child: Ctrl+C's signal delivered (a test run started in the background by a
    non-interactive shell ignores SIGINT, and Python leaves an ignored SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_on_a_terminal(argv, cwd, wait_for: bytes = b" of ", limit: float = 60):
    """Run ``bpviz argv`` with stderr on a pseudo-terminal; once it shows progress (so it is
    working, past start-up), send SIGINT. Returns (exit status, stdout, what the terminal got)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpviz", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=cwd,
        preexec_fn=_sigint_as_on_a_terminal,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + limit
        while wait_for not in seen and time.monotonic() < deadline and proc.poll() is None:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        assert wait_for in seen, (proc.poll(), seen)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=limit)
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end is closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, out.decode(), seen.decode("utf-8", "replace")


def test_ctrl_c_during_a_long_train_exits_130_with_one_line_and_keeps_the_old_output(tmp_path):
    out = tmp_path / "out.bpviz.json"
    out.write_text("the old file", encoding="utf-8")
    code, stdout, term = _interrupt_on_a_terminal(
        ["train", "mazur", "--steps", "100000000", "-o", str(out)], tmp_path
    )
    assert code == 130, term
    assert "Traceback" not in term
    assert "train: step " in term and "of 100,000,000" in term and "Ctrl+C stops" in term  # progress
    # the progress line is ended, then one line says why it stopped
    assert term.rstrip().splitlines()[-1].strip() == "bpviz: interrupted"
    assert stdout == ""
    assert out.read_text(encoding="utf-8") == "the old file" and names(tmp_path) == ["out.bpviz.json"]


def _wait_until_working(pid: int, cpu_seconds: float = 0.4, limit: float = 30) -> None:
    """Until the process has run ``cpu_seconds`` (past its start-up whatever the machine's
    load; where /proc is missing, 1.5 s)."""
    stat_file = f"/proc/{pid}/stat"
    if not os.path.exists(stat_file):
        time.sleep(1.5)
        return
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open(stat_file) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / tick >= cpu_seconds:  # utime + stime
            return
        time.sleep(0.05)


def test_ctrl_c_without_a_terminal_shows_no_progress(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpviz", "train", "mazur", "--steps", "100000000"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        preexec_fn=_sigint_as_on_a_terminal,
    )
    try:
        _wait_until_working(proc.pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.decode() == "bpviz: interrupted\n" and out == b""


# ------------------------------------------------------------------------- in this process
@pytest.fixture
def short_chunks(monkeypatch):
    """Trainer.run in chunks of at most 100 steps, so a run has many chunks."""
    real = Trainer.run

    def run(self, max_steps=None, seconds=None, *a, **k):
        return real(self, min(max_steps or 100, 100), seconds, *a, **k)

    monkeypatch.setattr(Trainer, "run", run)


def test_an_interrupt_mid_training_writes_nothing(tmp_path, capsys, monkeypatch, short_chunks):
    out = tmp_path / "net.bpviz.json"
    out.write_text("old", encoding="utf-8")
    calls = []
    real = Trainer.run

    def run(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(Trainer, "run", run)
    code, stdout, err = run_cli(capsys, "train", "mazur", "--steps", "1000", "-o", str(out))
    assert (code, stdout, err) == (130, "", "bpviz: interrupted\n")
    assert out.read_text(encoding="utf-8") == "old" and names(tmp_path) == ["net.bpviz.json"]


@pytest.mark.parametrize("command", ["train", "explain"])
def test_an_interrupt_while_saving_keeps_the_old_file_and_no_temporary_file(
    tmp_path, capsys, monkeypatch, command
):
    import bpviz.core.atomic as atomic

    out = tmp_path / "out.txt"
    out.write_text("old", encoding="utf-8")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    argv = ["train", "mazur", "--steps", "3"] if command == "train" else ["explain", "mazur"]
    code, _, err = run_cli(capsys, *argv, "-o", str(out))
    assert (code, err) == (130, "bpviz: interrupted\n")
    assert out.read_text(encoding="utf-8") == "old" and names(tmp_path) == ["out.txt"]


def test_gradcheck_can_be_interrupted_between_parameters(capsys, monkeypatch):
    import bpviz.core.gradcheck as gc

    seen = []

    def evaluate(self, x, t, real=gc.Pass.evaluate):
        seen.append(1)
        if len(seen) == 5:
            raise KeyboardInterrupt
        return real(self, x, t)

    monkeypatch.setattr(gc.Pass, "evaluate", evaluate)
    code, out, err = run_cli(capsys, "gradcheck", "xor", "--json")
    assert (code, out, err) == (130, "", "bpviz: interrupted\n")


def test_gradcheck_reports_its_progress_to_the_cli(capsys, monkeypatch):
    import bpviz.core.gradcheck as gc

    got = []
    real = gc.gradcheck

    def spy(*a, progress=None, **k):
        got.append(progress)
        return real(*a, progress=progress, **k)

    monkeypatch.setattr(gc, "gradcheck", spy)
    code, _, err = run_cli(capsys, "gradcheck", "xor")
    assert code == 0 and err == ""  # not a terminal: no progress line
    (p,) = got
    assert isinstance(p, Progress) and p.total == 9  # the core told it how many parameters


def test_train_without_json_keeps_no_history(capsys, monkeypatch, short_chunks):
    """Only the final error is printed, so memory stays flat however many steps."""
    kept = []
    real = Trainer.data_error

    def data_error(self):
        kept.append(len(self.error_history))
        return real(self)

    monkeypatch.setattr(Trainer, "data_error", data_error)
    code, out, _ = run_cli(capsys, "train", "mazur", "--steps", "1000")
    assert code == 0 and out.startswith("1000 steps in ")
    assert kept == [0]  # the old code kept all 1000
    code, out, _ = run_cli(capsys, "train", "mazur", "--steps", "1000", "--json")
    assert code == 0 and kept[-1] == 1000 and out.count(",") > 1000  # --json keeps every step


def test_steps_beyond_what_is_kept_are_refused_at_once(tmp_path, capsys):
    t0 = time.perf_counter()
    code, _, err = run_cli(
        capsys, "export", "mazur", "-o", str(tmp_path / "x.png"), "--steps", str(MAX_REPLAY_STEPS + 1)
    )
    assert code == 2
    assert (
        assert_one_line_error(err)
        == f"--steps {MAX_REPLAY_STEPS + 1:,}: expected a number from 0 to 1,000,000"
    )
    code, _, err = run_cli(capsys, "train", "mazur", "--steps", str(10**18), "--json")
    assert code == 2 and f"at most {MAX_JSON_STEPS:,} steps" in assert_one_line_error(err)
    assert time.perf_counter() - t0 < 2 and names(tmp_path) == []


def test_ctrl_c_while_qt_draws_ends_once_the_file_is_written(tmp_path, capsys, monkeypatch):
    """An interrupt inside one of Qt's callbacks would print a traceback and carry on: while
    the renderer runs, Ctrl+C is held until it returns."""
    from bpviz.gui.export import headless

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not Python's default handler here")

    def draw(job):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C in the middle of drawing
        for _ in range(10_000):
            pass  # (the handler runs here)
        job.out.write_bytes(b"complete")
        return [job.out]

    monkeypatch.setattr(headless, "export_offscreen", draw)
    code, _, err = run_cli(capsys, "export", "mazur", "-o", str(tmp_path / "x.png"))
    assert (code, err) == (130, "bpviz: interrupted\n")
    assert (tmp_path / "x.png").read_bytes() == b"complete"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_a_second_ctrl_c_while_held_ends_at_once(monkeypatch):
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not Python's default handler here")

    class Exited(Exception):
        pass

    def exit_(code):
        raise Exited(code)

    monkeypatch.setattr(progress_mod.os, "_exit", exit_)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with pytest.raises(Exited) as e, deferred_interrupt():
        for _ in range(2):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10_000):
                pass
    assert e.value.args == (130,) and sys.stderr.getvalue() == "bpviz: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ------------------------------------------------------------------------------ progress
class Tty(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_on_a_terminal_after_a_second_then_a_newline():
    stream, clock = Tty(), Clock()
    with Progress("train", 1000, "step", stream=stream, clock=clock) as p:
        clock.t = 0.5
        p(100)
        assert stream.getvalue() == ""  # short work shows nothing
        clock.t = 2.0
        p(200)
        clock.t = 2.1
        p(210)  # too soon after the last line
        clock.t = 3.0
        p(300, 1000)
    lines = stream.getvalue().split("\r")[1:]
    assert lines[0] == "train: step 200 of 1,000 (20 %), about 8 s left; Ctrl+C stops"
    assert lines[1].startswith("train: step 300 of 1,000 (30 %), about 7 s left")
    assert stream.getvalue().endswith("\n")


def test_no_progress_when_stderr_is_not_a_terminal():
    stream, clock = io.StringIO(), Clock()
    with Progress("gradcheck", 10, "parameter", stream=stream, clock=clock) as p:
        clock.t = 100
        assert p(5) is True
    assert stream.getvalue() == ""


def test_duration_text():
    assert [duration_text(s) for s in (0.2, 12, 300, 9000, 3 * 86400)] == [
        "1 s",
        "12 s",
        "5 min",
        "2.5 h",
        "3 days",
    ]


def test_an_os_error_without_a_path_has_no_empty_name():
    assert os_error_text(OSError(28, "No space left on device")) == "bpviz: No space left on device"
    assert os_error_text(OSError(28, "No space left on device", "out.json")) == (
        "bpviz: out.json: No space left on device"
    )
    assert os_error_text(OSError("could not write")) == "bpviz: could not write"
