"""Pause → step by hand → resume never loses or duplicates a point of the error history
(issue 13, item 10), tested deterministically: the engine runs in this thread, driven by the
test, and its snapshots reach the controller in the orders the real pipe allows — commands
answered one by one or together, answers arriving after the window has already sent its next
command. No sleeps, no threads, no process.

The race these tests pin down: the engine answers a Load (state "idle") or a command sent
while paused (state "paused") after the window has already sent Train. Taken as the run's
state, such an answer set the window idle or paused while the engine ran: the lecturer could
step by hand, and the run's next snapshot replaced the hand steps (their errors and weights).
"""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core.engine import Configure, TrainingEngine
from bpviz.core.presets import load_preset
from bpviz.gui.session import Session
from bpviz.gui.training import TrainingController


class Harness:
    """A controller whose worker is the test: commands wait in ``queue`` until ``apply``
    gives them to a real engine; the engine's answers wait in ``outbox`` until ``deliver``."""

    def __init__(self, preset: str = "swap") -> None:
        self.s = Session(load_preset(preset), preset)
        self.c = TrainingController(self.s, "thread")
        self.c.worker = self  # the controller sends to us (it makes no thread)
        self.queue: list = []
        self.outbox: list = []
        self.engine = TrainingEngine()
        self.steps_shown: list[int] = []  # every step the stepper showed, in order
        self.hand: dict[int, float] = {}  # step → the error a hand step recorded
        self.s.traceChanged.connect(lambda: self.steps_shown.append(self.s.step))
        self.c.update_settings(speed=None, stop_error=None)

    # the worker's interface
    def send(self, cmd) -> None:
        self.queue.append(cmd)

    def shutdown(self, *_a) -> bool:
        return True

    # the engine's side of the pipe
    def apply(self, n: int | None = None) -> None:
        """The engine reads the next n commands (all when None) in one turn and answers."""
        n = len(self.queue) if n is None else n
        for cmd in self.queue[:n]:
            self.engine.command(cmd)
        del self.queue[:n]
        self.outbox.append(self.engine.snapshot(True))

    def work(self) -> None:
        """One chunk of steps (a few: the chunk has no time) and its snapshot."""
        assert self.engine.running
        self.engine.work(0)
        self.outbox.append(self.engine.snapshot(False))

    def deliver(self, n: int | None = None) -> None:
        n = len(self.outbox) if n is None else n
        for snap in self.outbox[:n]:
            self.c._on_snapshot(snap)
        del self.outbox[:n]

    # the lecturer
    def hand_step(self, sample: int = 2) -> bool:
        """One iteration by hand on ``sample``, as the window allows it: not while training."""
        s = self.s
        if s.training:
            return False
        s.set_sample_choice(sample)
        for _ in range(len(s.names) - s.phase_index):
            s.next()
        self.record()
        return True

    def record(self) -> None:
        """The error the stepper just recorded for its step (NaN when it recorded none)."""
        s = self.s
        self.hand[s.step] = float(s.history.errors[s.step - 1]) if s.history.n >= s.step else np.nan

    def settle(self) -> None:
        """Let the run pause and every answer arrive."""
        for _ in range(10):
            if self.c.state == "running":
                self.c.pause()
            if self.queue:
                self.apply()
            self.deliver()
        assert self.c.state != "running" and not self.queue and not self.outbox

    def check(self) -> None:
        """Every step once, none missing or doubled, the hand steps as they were taken, and
        the stepper never sent back to an earlier step."""
        s, h = self.s, self.s.history.errors
        assert s.history.n == s.step and not np.isnan(h).any()
        kept = {k: float(h[k - 1]) if k <= len(h) else np.nan for k in self.hand}
        assert kept == self.hand, "a hand step's error was replaced by the run's"
        assert self.steps_shown == sorted(self.steps_shown), f"went back: {self.steps_shown}"


def started(preset: str = "swap") -> Harness:
    """A run that took 8 steps, then paused (its answers all arrived)."""
    t = Harness(preset)
    t.c.train()
    t.apply()  # Load and Train together
    t.work()
    t.deliver()
    t.c.pause()
    t.apply()
    t.deliver()
    assert t.c.state == "paused" and t.s.step == 8
    return t


def test_an_idle_answer_to_the_load_after_a_resume_keeps_the_window_training():
    t = started()
    assert t.hand_step() and t.hand_step()  # by hand, on sample 3: the run would use others
    t.c.train()  # resume from the hand steps: Stop, Load, Train
    t.apply(2)  # the engine reads Stop and Load, not yet Train: it answers "idle"
    t.deliver()
    assert t.c.state == "running" and t.s.training, "an old answer made the window idle"
    assert not t.hand_step()  # so the lecturer cannot step while the run goes on
    t.apply()  # Train
    t.work()
    t.deliver()
    t.settle()
    t.check()
    assert t.s.step > 10  # the run went on from the hand steps


def test_a_paused_answer_after_a_resume_does_not_pause_the_window():
    t = started()
    t.c.update_settings(learning_rate=0.7)  # while paused: Configure, answered "paused"
    t.c.train()  # resume at once, before that answer arrives
    t.apply(1)  # the engine reads Configure only and answers "paused"
    t.deliver()
    assert t.c.state == "running" and t.s.training, "an old answer paused the window"
    assert not t.hand_step()
    t.apply()
    t.work()
    t.deliver()
    t.settle()
    t.check()
    assert t.s.step > 8


def test_a_second_paused_answer_leaves_the_lecturer_where_they_are():
    t = started()
    t.s.set_phase(5)  # the lecturer is half-way through the next iteration
    t.c.update_settings(stop_error=0.5)  # while paused: Configure, answered "paused" again
    t.apply()
    t.deliver()
    assert t.c.state == "paused" and t.s.phase_index == 5 and t.s.step == 8
    t.check()


def test_an_answer_to_a_pause_after_the_run_finished_keeps_the_hand_steps():
    t = Harness()
    t.c.update_settings(max_steps=3)
    t.c.train()
    t.apply()
    t.work()  # the run reaches its limit
    t.c.pause()  # the lecturer pauses just then: the pause crosses "finished"
    t.deliver()
    assert t.c.state == "finished"
    assert t.hand_step()  # steps on by hand from the finished run's weights
    t.apply()  # the engine answers the pause with "finished" again
    t.deliver()
    t.check()
    assert t.s.step == 4


@pytest.mark.parametrize("seed", range(40))
def test_any_order_of_answers_keeps_every_step_once(seed):
    """Random legal interleavings of the lecturer (pause, hand steps, One step, resume), the
    engine reading commands (one or several at a time) and its answers arriving."""
    rng = np.random.default_rng(seed)
    t = Harness()
    for _ in range(40):
        r = rng.random()
        if r < 0.25 and t.queue:
            t.apply(int(rng.integers(1, len(t.queue) + 1)))
        elif r < 0.4 and t.engine.trainer is not None and t.engine.running:
            t.work()
        elif r < 0.6 and t.outbox:
            t.deliver(1)
        elif t.c.state == "running":
            t.c.pause()
        elif not t.s.training:
            a = rng.random()
            if a < 0.5:
                t.hand_step(int(rng.integers(0, 4)))
            elif a < 0.65:
                t.c.one_step()
                t.record()
            else:
                t.c.train()
    t.settle()
    t.check()


def test_the_harness_is_the_real_engine():
    """What the harness runs is the engine's own arithmetic: a run with no hand steps equals
    a plain trainer's (so the checks above compare like with like)."""
    from bpviz.core.training import Trainer

    t = started()
    core = Trainer(load_preset("swap"))
    core.run(max_steps=8)
    np.testing.assert_allclose(t.s.history.errors, core.error_history, rtol=1e-12)
    assert isinstance(t.queue, list) and not any(isinstance(c, Configure) for c in t.queue)
