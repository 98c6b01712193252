"""A saved session carries its run's checkpoints (``session.checkpoints``), so a reopened
session scrubs the error curve too: they round-trip through dumps/loads bit for bit, a replay
from the reopened file equals a straight run (across a change of η, with momentum's velocity),
Save keeps at most ``limits.MAX_CHECKPOINT_NUMBERS`` numbers (pinned first, the rest thinned
evenly, the newest always), and the loader refuses a file over that bound or with a malformed
checkpoint in one message naming the JSON path."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from test_checkpoints import document, loaded, same, settings, straight, train_to

from bpviz.core import fileformat, limits
from bpviz.core.checkpoints import Checkpoints
from bpviz.core.engine import Configure, GetCheckpoints, Load, SavedCheckpoints, Seek, TrainingEngine
from bpviz.core.fileformat import FormatError, SavedCheckpoint, dumps, fit_checkpoints, loads, session_record
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


def eta5(t):
    t.learning_rate = 5.0


def trained(doc, path="numpy"):
    """An engine that trained ``doc`` 150 steps at η 0.7, then 150 at η 5."""
    e = loaded(doc, path)
    st = settings(doc)
    train_to(e, 150, st)
    st5 = dataclasses.replace(st, learning_rate=5.0)
    e.command(Configure(st5))
    train_to(e, 300, st5)
    return e


def saved_text(e: TrainingEngine, doc) -> str:
    """The file Save writes for the engine's run at its step."""
    out = doc.copy()
    t = e.trainer
    out.network.set_parameters(t.network.weights, t.network.biases)
    out.session = session_record(t.step, 0, np.zeros(t.step), None)
    e.command(GetCheckpoints(t.step, 7))
    ans = e.seek_answer
    assert isinstance(ans, SavedCheckpoints) and ans.token == 7
    out.checkpoints = ans.checkpoints
    return dumps(out)


def arrays_equal(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("path", ["numpy", "fast"])
def test_checkpoints_round_trip_bit_for_bit_and_replay_after_reopening(path):
    doc = document("minibatch", 4, 2)
    e = trained(doc, path)
    text = saved_text(e, doc)
    back = loads(text)
    mine = e.checkpoints.saved(300)
    assert len(back.checkpoints) == len(mine) == len(e.checkpoints) > 3
    for a, b in zip(mine, back.checkpoints, strict=True):
        assert (a.step, a.end, a.pinned, a.learning_rate, a.mode, a.batch_size, a.shuffle_seed, a.path) == (
            b.step,
            b.end,
            b.pinned,
            b.learning_rate,
            b.mode,
            b.batch_size,
            b.shuffle_seed,
            b.path,
        )
        assert arrays_equal(a.weights, b.weights) and arrays_equal(a.biases, b.biases)
    assert [c.step for c in back.checkpoints if c.pinned] == [0, 150]
    assert {c.learning_rate for c in back.checkpoints if c.step >= 150} == {5.0}
    # a fresh engine given the file's checkpoints with its Load replays the run
    e2 = TrainingEngine()
    e2.command(Load(back, 300, 1, back.checkpoints))
    for n in (0, 1, 99, 149, 150, 151, 222, 299):
        snap = e2.seek(n)
        assert snap.seek == n
        assert same(snap, straight(doc, n, path, [(150, eta5)] if n > 150 else [])), n
    # and saving again (from the reopened session's engine) writes the same checkpoints
    # before the step it was loaded at (where the Load pinned its own)
    again = json.loads(saved_text(e2, back))["session"]["checkpoints"]
    first = [c for c in json.loads(text)["session"]["checkpoints"] if c["step"] < 300]
    assert again[: len(first)] == first and again[-1]["step"] == 300


def test_momentums_velocity_round_trips_and_replays():
    doc = document("online")
    e = loaded(doc)
    st = dataclasses.replace(settings(doc), momentum=0.9)
    e.command(Configure(st))
    train_to(e, 200, st)
    back = loads(saved_text(e, doc))
    with_v = [c for c in back.checkpoints if c.velocity is not None]
    assert with_v and all(c.momentum == 0.9 for c in back.checkpoints)
    mine = {c.step: c for c in e.checkpoints.saved(200)}
    for c in with_v:
        assert arrays_equal(c.velocity.weights, mine[c.step].velocity.weights)
        assert arrays_equal(c.velocity.biases, mine[c.step].velocity.biases)
    e2 = TrainingEngine()
    e2.command(Load(back, 200, 1, back.checkpoints))
    ref = Trainer(doc, path="numpy")
    ref.momentum = 0.9
    ref.run(max_steps=133)
    snap = e2.seek(133)
    assert same(snap, ref)
    assert arrays_equal(snap.velocity.weights, ref.velocity.weights)


def test_a_file_without_checkpoints_reads_and_writes_as_before():
    doc = load_preset("xor")
    doc.session = session_record(0, 0, [], None)
    text = dumps(doc)
    assert "checkpoints" not in text
    back = loads(text)
    assert back.checkpoints is None and "checkpoints" not in back.session
    assert back.copy().checkpoints is None


def record(step, n_weights=10, pinned=False, end=None, velocity=False):
    w = (np.full((1, n_weights), float(step)),)
    v = fileformat.Velocity(w, None) if velocity else None
    return SavedCheckpoint(step, step if end is None else end, w, None, v, 0.5, 0.9 if velocity else 0.0,
                           "online", None, None, "numpy", pinned)  # fmt: skip


def test_fit_keeps_pinned_first_then_thins_evenly_and_always_the_newest():
    rs = [record(s, pinned=s in (0, 500)) for s in range(0, 1001, 10)]  # 101 of 10 numbers
    assert fit_checkpoints(rs, 1000, max_numbers=10_000) == rs  # all fit: all kept
    kept = fit_checkpoints(rs, 1000, max_numbers=100)  # ten fit
    steps = [c.step for c in kept]
    assert len(kept) == 10 and {0, 500, 1000} <= set(steps)
    assert np.diff(steps).max() <= 2 * 1000 / 9  # spread over the range, not bunched
    # past the saved step nothing is kept, and the runs end there
    kept = fit_checkpoints(rs, 255, max_numbers=10_000)
    assert kept[-1].step == 250 and all(c.end <= 255 for c in kept)
    # a network whose one checkpoint is over the budget keeps none
    assert fit_checkpoints([record(0, 2000)], 0, max_numbers=1000) == []
    # pinned ones alone over the budget: the newest of them stay
    pins = [record(s, pinned=True) for s in range(0, 100, 10)]
    assert [c.step for c in fit_checkpoints(pins, 100, max_numbers=30)] == [70, 80, 90]


def test_save_writes_at_most_the_bound(monkeypatch):
    doc = document("online")
    e = trained(doc)
    each = sum(w.size for w in doc.network.weights) + sum(b.size for b in doc.network.biases)
    assert len(e.checkpoints.saved(300)) > 4
    monkeypatch.setattr(limits, "MAX_CHECKPOINT_NUMBERS", 4 * each)
    text = saved_text(e, doc)
    cks = json.loads(text)["session"]["checkpoints"]
    assert len(cks) == 4
    assert [c["step"] for c in cks if c["pinned"]] == [0, 150] and cks[-1]["step"] == 300
    assert len(loads(text).checkpoints) == 4  # and it opens again


def hostile(checkpoints, sizes=(2, 2, 1), step=10, **session) -> str:
    """A small file (weights drawn from init) whose session claims ``checkpoints``."""
    obj = {
        "format": "bpviz/1",
        "layers": [{"size": sizes[0]}] + [{"size": n, "activation": "sigmoid"} for n in sizes[1:]],
        "init": {"seed": 1},
        "biases": "init",
        "data": {"inputs": [[0.0] * sizes[0]], "targets": [[0.0] * sizes[-1]]},
        "session": {"step": step, "checkpoints": checkpoints, **session},
    }
    return json.dumps(obj)


def xor_checkpoint(step=0, **changes):
    c = {
        "step": step,
        "learning_rate": 0.5,
        "mode": "online",
        "weights": [[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]],
        "biases": [[0.0, 0.0], [0.0]],
    }
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


def refused(text) -> str:
    with pytest.raises(FormatError) as err:
        loads(text)
    return str(err.value)


def test_the_loader_refuses_checkpoints_over_the_bound():
    # 700-700-1: 491,401 numbers a checkpoint; three claimed (with velocities) is over 1,000,000,
    # said from the shapes before the (absent) numbers are read
    claims = [{"step": s, "weights": [], "velocity": {}} for s in (0, 1, 2)]
    msg = refused(hostile(claims, (700, 700, 1)))
    assert msg.startswith("session.checkpoints:") and "at most 1,000,000" in msg
    many = [xor_checkpoint(s) for s in range(limits.MAX_CHECKPOINTS + 1)]
    msg = refused(hostile(many, step=limits.MAX_CHECKPOINTS + 1))
    assert msg.startswith("session.checkpoints:") and "4,097 checkpoints" in msg


@pytest.mark.parametrize(
    "checkpoints, path, words",
    [
        (
            [xor_checkpoint(weights=[[[0.1, 0.2]], [[0.5, 0.6]]])],
            "session.checkpoints[0].weights[0]",
            "2 entries",
        ),
        ([xor_checkpoint(biases=None)], "session.checkpoints[0].biases", "missing"),
        (
            [xor_checkpoint(5), xor_checkpoint(3)],
            "session.checkpoints[1].step",
            "after the checkpoint before",
        ),
        ([xor_checkpoint(11)], "session.checkpoints[0].step", "at most session.step"),
        ([xor_checkpoint(2, end=12)], "session.checkpoints[0].end", "to session.step"),
        (
            [xor_checkpoint(weights=[[[0.1, 1e999], [0.3, 0.4]], [[0.5, 0.6]]])],
            "session.checkpoints[0].weights[0][0][1]",
            "finite",
        ),
        ([xor_checkpoint(learning_rate=0)], "session.checkpoints[0].learning_rate", "> 0"),
        ([xor_checkpoint(momentum=1.0)], "session.checkpoints[0].momentum", ""),
        ([xor_checkpoint(momentum=0.5, path="fast")], "session.checkpoints[0].path", "momentum"),
        ([xor_checkpoint(mode="minibatch")], "session.checkpoints[0].batch_size", "missing"),
        ([xor_checkpoint(colour="red")], "session.checkpoints[0].colour", "unknown key"),
        (
            [xor_checkpoint(velocity={"weights": [[[0.0, 0.0]], [[0.0]]]}, momentum=0.5)],
            "session.checkpoints[0].velocity.weights[0]",
            "2 entries",
        ),  # fmt: skip
        ([3], "session.checkpoints[0]", "expected an object"),
        ({"step": 0}, "session.checkpoints", "expected a list"),
    ],
)
def test_malformed_checkpoints_are_refused_with_the_json_path(checkpoints, path, words):
    msg = refused(hostile(checkpoints))
    assert msg.startswith(path + ":"), msg
    assert words in msg


def test_a_good_hand_written_checkpoint_reads():
    doc = loads(hostile([xor_checkpoint(0), xor_checkpoint(4, end=8, pinned=True)]))
    a, b = doc.checkpoints
    assert (a.step, a.end, b.step, b.end, b.pinned) == (0, 10, 4, 8, True)
    assert a.weights[1].tolist() == [[0.5, 0.6]] and not a.weights[0].flags.writeable


def test_serve_answers_get_checkpoints_at_once():
    from bpviz.core.engine import Quit, serve

    doc = document("online")
    sent = []

    class Chan:
        cmds = [Load(doc, 0, 3), GetCheckpoints(0, 9), Seek(0), Quit()]

        def poll(self, timeout):
            return True

        def recv(self):
            return self.cmds.pop(0)

        def send(self, msg):
            sent.append(msg)

    serve(Chan())
    ans = [m for m in sent if isinstance(m, SavedCheckpoints)]
    assert len(ans) == 1 and ans[0].token == 9 and ans[0].gen == 3
    assert [c.step for c in ans[0].checkpoints] == [0] and ans[0].checkpoints[0].pinned


def test_checkpoints_restore_groups_runs_by_their_end():
    doc = document("online")
    ck = Checkpoints()
    recs = [record(0, end=50), record(20, end=50), record(60, end=80)]
    doc2 = doc.copy()
    w = tuple(a.copy() for a in doc2.network.weights)
    b = tuple(a.copy() for a in doc2.network.biases)
    recs = [dataclasses.replace(r, weights=w, biases=b) for r in recs]
    ck.restore(doc2, recs)
    assert ck.locate(55)[1] == 50 and ck.locate(70)[1] == 70 and ck.locate(99)[1] == 80
