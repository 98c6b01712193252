"""Scrubbing the error curve in the core: the engine's checkpoints and Seek.

The state a Seek answers with at step N equals a fresh, straight run of N steps bit for bit
(``np.array_equal``) on the same path: online, batch, shuffled minibatch, after a mid-run
change of η (and of α, and an edited weight: the history pins each event and the replay
repeats it), on the fast path and the numpy path, and across a new Load of the same network
("Train from here"). The checkpoints keep within their byte budget (≤ 50 MB for 784-128-10
over 100,000 steps), a replay stops at the end of its run (steps taken by hand are not kept),
long replays report progress, and a Seek's answer never merges with the run's snapshots.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bpviz.core import checkpoints as ck_mod
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.checkpoints import Checkpoints, Setup
from bpviz.core.engine import (
    Configure,
    EditParameter,
    Load,
    Pause,
    Quit,
    Seek,
    SeekProgress,
    Snapshot,
    Train,
    TrainingEngine,
    continues,
    serve,
)
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.core.training_settings import TrainingSettings


def document(mode: str = "online", batch: int | None = None, seed: int | None = None, n: int = 24):
    """2-6-1 sigmoid with ``n`` seeded samples."""
    spec = NetworkSpec(
        [LayerSpec("i", 2), LayerSpec("h", 6, "sigmoid"), LayerSpec("o", 1, "sigmoid")],
        learning_rate=0.7,
        mode=mode,
        batch_size=batch,
        init_scheme="xavier",
        init_scale=1.0,
        n_samples=n,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(3)
    doc.inputs = rng.normal(0, 1, (n, 2))
    doc.targets = (doc.inputs[:, :1] * doc.inputs[:, 1:] > 0).astype(float)
    doc.shuffle_seed = seed
    return doc


def settings(doc, **kw) -> TrainingSettings:
    return dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), **kw)


def loaded(doc, path: str | None = None) -> TrainingEngine:
    """An engine with ``doc`` loaded whose checkpoints ignore the clock (taken at each slot,
    however fast the chunks), on ``path`` (None: the one it chose)."""
    e = TrainingEngine()
    e.checkpoints._clock = lambda: 0.0
    e.command(Load(doc, 0, 1))
    if path is not None:
        e.trainer.path, e.trainer._auto = path, False  # (a run keeps its path)
        e.checkpoints.start(e.trainer, e.doc)
    return e


def train_to(engine: TrainingEngine, step: int, st: TrainingSettings) -> None:
    """Train the loaded engine up to exactly ``step`` (a run's step limit), in chunks."""
    engine.command(Train(dataclasses.replace(st, max_steps=step)))
    while engine.running:
        engine.work(0.0005)
    assert engine.trainer.step == step


def straight(doc, steps: int, path: str, events=()) -> Trainer:
    """A fresh run of ``steps`` steps; ``events``: (step, f(trainer)) applied at that step."""
    t = Trainer(doc, path=path)
    for at, change in sorted(events, key=lambda e: e[0]) + [(steps, None)]:
        t.run(max_steps=at - t.step)
        if change is not None:
            change(t)
    assert t.step == steps
    return t


def same(snap: Snapshot, t: Trainer) -> bool:
    net = t.network
    ok = all(np.array_equal(a, b) for a, b in zip(snap.weights, net.weights, strict=True))
    if net.biases is not None:
        ok = ok and all(np.array_equal(a, b) for a, b in zip(snap.biases, net.biases, strict=True))
    return ok


CASES = {
    "online": ("online", None, None),
    "batch": ("batch", None, None),
    "minibatch shuffled": ("minibatch", 5, 11),
}


@pytest.mark.parametrize("path", ["numpy", "fast"])
@pytest.mark.parametrize("case", list(CASES))
def test_seek_equals_a_straight_run(case, path):
    mode, batch, seed = CASES[case]
    doc = document(mode, batch, seed)
    e = loaded(doc, path)
    train_to(e, 400, settings(doc))
    assert len(e.checkpoints) > 2
    for n in (0, 1, 57, 233, 399, 400):
        snap = e.seek(n)
        assert snap.seek == n and snap.step == n
        assert same(snap, straight(doc, n, path)), (case, path, n)
    assert e.trainer.step == 400  # the run itself is untouched


@pytest.mark.parametrize("path", ["numpy", "fast"])
def test_seek_repeats_a_mid_run_change_of_eta(path):
    doc = document("minibatch", 4, 2)
    e = loaded(doc, path)
    st = settings(doc)
    train_to(e, 150, st)
    st5 = dataclasses.replace(st, learning_rate=5.0)
    e.command(Configure(st5))
    train_to(e, 300, st5)
    assert [c.step for c in e.checkpoints if c.pinned] == [0, 150]

    def eta5(t):
        t.learning_rate = 5.0

    for n in (149, 150, 151, 222, 300):
        snap = e.seek(n)
        assert snap.seek_setup.learning_rate == (0.7 if n < 150 else 5.0)
        assert same(snap, straight(doc, n, path, [(150, eta5)] if n > 150 else [])), n
    # the other way round would differ: the history really repeats the change
    assert not same(e.seek(300), straight(doc, 300, path))


def test_seek_repeats_momentum_and_an_edited_weight():
    doc = document("online")
    e = loaded(doc)
    st = settings(doc)
    train_to(e, 100, st)
    e.command(Configure(dataclasses.replace(st, momentum=0.9)))
    train_to(e, 200, dataclasses.replace(st, momentum=0.9))
    e.command(EditParameter("edge", (0, 1, 0), 0.25))
    train_to(e, 300, dataclasses.replace(st, momentum=0.9))
    assert e.checkpoints.locate(0)[0].setup.path == "fast"  # (a small network: the fast path)
    assert e.trainer.path == "numpy"  # (momentum runs on the numpy path)

    def alpha(t):
        t.momentum = 0.9

    def edit(t):
        t.network.weights[0][1, 0] = 0.25

    events = [(100, alpha), (200, edit)]
    for n in (50, 150, 200, 250, 300):
        snap = e.seek(n)
        # as the engine's trainer: it chose its path, and α > 0 takes the numpy path
        ref = Trainer(doc, track_epoch_error=True)
        for at, change in [ev for ev in events if ev[0] <= n] + [(n, None)]:
            ref.run(max_steps=at - ref.step)
            if change is not None:
                change(ref)
        assert same(snap, ref), n
        if n > 100:
            assert all(
                np.array_equal(a, b) for a, b in zip(snap.velocity.weights, ref.velocity.weights, strict=True)
            )


def test_a_new_load_of_the_same_network_keeps_the_history_up_to_its_step():
    doc = document("online")
    e = loaded(doc)
    st = settings(doc)
    train_to(e, 300, st)
    path = e.trainer.path
    # "Train from here" at step 120: the window loads the weights it was shown there
    at120 = e.seek(120)
    d2 = doc.copy()
    d2.network.set_parameters(at120.weights, at120.biases)
    e.command(Load(d2, 120, 2))
    train_to(e, 200, st)
    assert e.checkpoints.first_step == 0
    for n in (60, 120, 180):
        assert same(e.seek(n), straight(doc, n, path))
    # steps after the new start belong to the new run (here the same steps again)
    assert e.seek(250).seek == 200
    # steps taken by hand (Load at 230 after the run reached 200) are not kept
    d3 = doc.copy()
    e.command(Load(d3, 230, 3))
    assert e.seek(215).seek == 200
    assert e.seek(230).seek == 230 and same(e.seek(230), Trainer(d3))
    # another network starts a new history
    other = document("online", n=10)
    e.command(Load(other, 0, 4))
    assert e.seek(100).seek == 0 and len(e.checkpoints) == 1


def test_seek_without_a_run_says_so():
    e = TrainingEngine()
    ans = e.seek(5)
    assert isinstance(ans, SeekProgress) and ans.problem


class _FakeTrainer:
    """What Checkpoints reads of a trainer: 784-128-10's parameters and a step."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.network = dataclasses.make_dataclass("N", ["weights", "biases"])(
            [rng.normal(size=(128, 784)), rng.normal(size=(10, 128))], [np.zeros(128), np.zeros(10)]
        )
        self.step = 0
        self.velocity = None
        self.learning_rate, self.mode, self.batch_size, self.shuffle_seed = 0.1, "minibatch", 64, 1
        self.momentum, self.path = 0.0, "numpy"


def test_budget_holds_for_784_128_10_over_100k_steps():
    ck = Checkpoints(clock=iter(range(10**9)).__next__)  # the time guard never holds back
    t = _FakeTrainer()
    ck.live, ck._run = t, ck_mod._Run()
    ck.pin(t)
    chunk = 7  # steps a 4 ms chunk of 784-128-10 runs
    worst = 0
    while t.step < 100_000:
        t.step += chunk
        ck.after_chunk(t)
        assert ck.nbytes <= ck.budget <= 50e6
        worst = max(worst, ck.nbytes)
    steps = [c.step for c in ck]
    gaps = np.diff(steps + [t.step])
    assert steps[0] == 0 and len(ck) >= 20
    assert gaps.max() < 2 * ck.interval + chunk  # a replay runs fewer steps than this
    assert ck.interval == 2048, ck.describe()  # 49 checkpoints, 39.9 MB
    assert worst <= 50e6


def test_pinned_checkpoints_overflowing_the_budget_drop_the_oldest():
    doc = document("online")
    t = Trainer(doc)
    ck = Checkpoints(budget=10 * (8 * 25 + ck_mod.OVERHEAD))  # ten checkpoints of 2-6-1
    ck.start(t, doc)
    for _ in range(30):
        t.run(max_steps=3)
        t.learning_rate += 0.01
        ck.pin(t)
    assert len(ck) == 10 and ck.nbytes <= ck.budget
    assert ck.first_step == 90 - 27
    assert ck.locate(5) == (ck._list[0], 63)


def test_a_long_replay_reports_progress(monkeypatch):
    monkeypatch.setattr(ck_mod, "REPLAY_SECONDS", 1e-9)  # pieces of 8 steps
    doc = document("batch")
    e = loaded(doc)
    train_to(e, 80, settings(doc))
    seen = []
    e.checkpoints._list[:] = e.checkpoints._list[:1]  # only the start: replay all 80 steps
    e.checkpoints._steps[:] = [0]
    t = e.checkpoints.replay(80, lambda done, total: seen.append((done, total)), after=0.0)
    assert t.step == 80
    assert seen and seen[0][1] == 80 and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_serve_answers_a_seek_after_the_commands_before_it():
    doc = load_preset("xor")
    sent = []

    class Chan:
        todo = [Load(doc, 0, 1), Train(settings(doc, max_steps=50))]

        def poll(self, timeout):
            return bool(self.todo)

        def recv(self):
            return self.todo.pop(0)

        def send(self, snap):
            sent.append(snap)
            if isinstance(snap, Snapshot) and snap.state == "finished" and snap.seek is None:
                self.todo += [Pause(), Seek(20)]
            if isinstance(snap, Snapshot) and snap.seek is not None:
                self.todo.append(Quit())

    serve(Chan(), chunk_seconds=0.001)
    answer = sent[-1]
    assert answer.seek == 20 and answer.step == 20 and not len(answer.errors)
    assert sent[-2].seek is None  # the live snapshot of the Pause came first
    assert same(answer, straight(doc, 20, answer.seek_setup.path))
    # the answer continues nothing: the window's relay never merges it with the run's
    assert not continues(sent[-2], answer) and not continues(answer, sent[-2])


def test_setup_records_what_computes_the_steps():
    doc = document("minibatch", 4, 9)
    t = Trainer(doc, path="numpy")
    assert Setup.of(t) == Setup(0.7, "minibatch", 4, 9, 0.0, "numpy")
