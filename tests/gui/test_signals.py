"""Ctrl+C, SIGINT and SIGTERM end the window cleanly (issue 13, item 8): the window closes the
normal way, the process exits 128 + the signal (130 for Ctrl+C), with no traceback and no
training process left behind — idle, mid-training, and with unsaved work (no one can answer
the question offscreen, so it is not asked). The window runs in a subprocess of its own,
offscreen, with its settings in a temporary folder."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from bpviz.gui import app as gui_app
    from bpviz.gui.main_window import MainWindow

    mode = sys.argv[1]
    shown = MainWindow.show_on_screen

    def show(self):
        shown(self)
        if mode == "train":
            self.training.update_settings(speed=None, stop_error=None)
            self.training.train()

            def wait():
                if self.session.history.n > 5:
                    print("ready", self.training.worker.worker.process.pid, flush=True)
                else:
                    QTimer.singleShot(10, wait)

            QTimer.singleShot(0, wait)
        else:
            if mode == "edited":
                self.session.edit_parameter("edge", (0, 0, 0), 0.5)
            QTimer.singleShot(0, lambda: print("ready 0", flush=True))

    MainWindow.show_on_screen = show
    sys.exit(gui_app.run("mazur"))
    """
)


def _run(tmp_path, mode: str, signum: int, group: bool) -> tuple[int, str, int]:
    """Start the window, wait until it says it is ready, send the signal (to its process
    group, as a terminal's Ctrl+C does, or to the window alone); (exit status, stderr, the
    training process's pid or 0)."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    p = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, like a shell's job
        text=True,
    )
    try:
        ready, _, _ = select.select([p.stdout], [], [], 60)
        assert ready, "the window never came up"
        line = p.stdout.readline().split()
        assert line and line[0] == "ready", line
        child = int(line[1])
        if group:
            os.killpg(p.pid, signum)
        else:
            os.kill(p.pid, signum)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return p.returncode, err, child


def _gone(pid: int) -> bool:
    if pid == 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie of an exited parent is reaped by init; its state says it is done
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.mark.parametrize(
    ("mode", "signum", "group"),
    [
        ("idle", signal.SIGINT, False),
        ("train", signal.SIGINT, True),  # Ctrl+C in the terminal, mid-training
        ("edited", signal.SIGINT, False),  # unsaved work: offscreen, no one to ask
        ("train", signal.SIGTERM, False),
        ("edited", signal.SIGHUP, False),  # the terminal closed
    ],
)
def test_a_signal_closes_the_window_cleanly(tmp_path, mode, signum, group):
    code, err, child = _run(tmp_path, mode, signum, group)
    assert code == 128 + signum, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert _gone(child), "the training process was left behind"
    # the window closed the normal way: its geometry and layout were remembered
    assert (tmp_path / "bpviz" / "bpviz.conf").is_file()


@pytest.fixture
def exits(monkeypatch):
    """QApplication.exit, recorded instead of done (the tests' event loop goes on)."""
    from PySide6.QtWidgets import QApplication

    done: list[int] = []
    monkeypatch.setattr(QApplication.instance(), "exit", done.append)
    return done


def test_ctrl_c_on_a_screen_asks_about_unsaved_work(win, monkeypatch, exits):
    from PySide6.QtWidgets import QMessageBox

    from bpviz.gui import interrupts

    monkeypatch.setattr(interrupts.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    closer = interrupts.SignalCloser(win)
    win.session.edit_parameter("edge", (0, 0, 0), 0.5)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Cancel
    )
    closer._close(signal.SIGINT)
    assert asked == ["Unsaved changes"] and win.isVisible() and exits == []  # the person said no
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked after SIGTERM"))
    closer._close(signal.SIGTERM)  # no one to ask: closes, the work unsaved
    assert not win.isVisible() and exits == [128 + signal.SIGTERM] and closer.exit_code == 143
    assert not win.skip_unsaved_question  # only for that close
