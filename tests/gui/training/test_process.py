"""The training process's environment: its BLAS limited to the cores the GUI leaves it (one
thread on a 2-core machine), and a user's explicit thread setting passed on untouched.
Checked on the rule itself and on the process the window really starts (Linux's /proc)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bpviz.core.engine_process import BLAS_THREAD_VARIABLES, blas_environment, blas_threads, usable_cores

FAST = {"speed": None, "stop_error": None}


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (3, 2), (4, 3), (8, 4), (64, 4)])
def test_blas_gets_the_cores_the_gui_leaves(cores, threads):
    assert blas_threads(cores) == threads
    env = blas_environment({"PATH": "/bin"}, cores=cores)
    assert env["PATH"] == "/bin"
    assert {v: env[v] for v in BLAS_THREAD_VARIABLES} == dict.fromkeys(BLAS_THREAD_VARIABLES, str(threads))


@pytest.mark.parametrize("var", BLAS_THREAD_VARIABLES)
def test_an_explicit_setting_of_the_user_wins(var):
    env = blas_environment({"PATH": "/bin", var: "3"}, cores=2)
    assert env == {"PATH": "/bin", var: "3"}  # not overridden, and no other variable added
    # an empty value is no setting
    assert blas_environment({var: ""}, cores=2)[var] == "1"


def _started_process(qtbot, make_controller):
    """Train mazur from a controller until snapshots arrive (the process's numpy is loaded);
    returns (the process's environment, its thread count), then stops it."""
    s, c = make_controller("mazur", "process")
    c.update_settings(**FAST)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 10, timeout=20_000)
    proc = c.worker.worker.process
    assert proc is not None and proc.poll() is None
    raw = Path(f"/proc/{proc.pid}/environ").read_bytes()
    env = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
    status = Path(f"/proc/{proc.pid}/status").read_text()
    threads = int(status.split("Threads:")[1].split()[0])
    c.stop()
    return env, threads


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@linux_only
def test_the_training_process_runs_with_the_limit(qtbot, make_controller, monkeypatch):
    for v in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    env, threads = _started_process(qtbot, make_controller)
    n = blas_threads(usable_cores())
    assert {v: env.get(v) for v in BLAS_THREAD_VARIABLES} == dict.fromkeys(BLAS_THREAD_VARIABLES, str(n))
    # the interpreter's own thread plus n - 1 BLAS workers (OpenBLAS); never more
    assert threads <= n


@linux_only
def test_the_training_process_keeps_the_users_setting(qtbot, make_controller, monkeypatch):
    for v in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    env, _ = _started_process(qtbot, make_controller)
    assert env.get("OPENBLAS_NUM_THREADS") == "2"
    assert not any(v in env for v in BLAS_THREAD_VARIABLES if v != "OPENBLAS_NUM_THREADS")
