"""The trainer: error history as FORMAT.md defines it, chunks, stop conditions, divergence.

Each behaviour is pinned on both of the trainer's paths ("numpy" and the generated "fast"
one, ``bpviz.core.fastpath``); tests/core/test_fastpath.py compares the two paths' numbers.
"""

import numpy as np
import pytest

from bpviz.core import fastpath
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.network import Network
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.training import PATHS, Trainer


@pytest.fixture(params=PATHS)
def path(request):
    return request.param


def needs_path(doc, path: str) -> None:
    """Skip a run on the fast path for a network it does not compute (softmax, the
    cross-entropies: ``fastpath.supports``), which always takes the numpy path."""
    if path == "fast" and not fastpath.supports(doc.network):
        pytest.skip("the fast path does not compute this network's activations or loss")


@pytest.mark.parametrize("name", PRESETS)
def test_history_is_each_steps_error_before_its_update(name, path):
    doc = load_preset(name)
    needs_path(doc, path)
    t = Trainer(doc, path=path)
    net = doc.network.copy()
    for step in range(6):
        rows = t.next_rows()
        tr = trace_step(doc, rows, network=net)
        t.run(max_steps=1)
        if path == "numpy":
            assert t.error_history[step] == tr.error  # the same code computes both
        else:  # the same maths, summed in another order
            assert t.error_history[step] == pytest.approx(tr.error, rel=1e-13, abs=0)
        net.set_parameters(tr.weights_after, tr.biases_after)
        for a, b in zip(net.weights, t.network.weights, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


def test_small_networks_take_the_fast_path():
    """The small presets of sigmoid, tanh and squared errors; those with softmax or a
    cross-entropy take the numpy path, as does a batch step over dozens of rows."""
    small = ("mazur", "swap", "linear", "xor", "xor-deep")
    assert {Trainer(load_preset(name)).path for name in small} == {"fast"}
    for name in ("circle", "spiral", "moons"):
        assert Trainer(load_preset(name)).path == "numpy"


def test_chunks_add_up(path):
    doc = load_preset("swap")
    a, b = Trainer(doc, path=path), Trainer(doc, path=path)
    a.run(max_steps=1000)
    while b.step < 1000:
        b.run(max_steps=min(37, 1000 - b.step))
    np.testing.assert_array_equal(a.error_history, b.error_history)


def test_time_budget_bounds_a_chunk(path):
    t = Trainer(load_preset("mazur"), path=path)
    r = t.run(seconds=0.02)
    assert r.reason is None and 0 < r.steps == t.step


def test_target_error_stops(path):
    t = Trainer(load_preset("xor"), path=path)
    r = t.run(max_steps=100_000, target_error=0.01)
    assert r.reason == "target"
    assert t.error_history[-1] <= 0.01 < t.error_history[:-1].min()


@pytest.mark.parametrize("name,limit", [("xor", 400), ("xor-deep", 500)])
def test_xor_presets_converge(name, limit, path):
    t = Trainer(load_preset(name), path=path)
    t.run(max_steps=limit, target_error=0.01)
    assert t.error_history[-1] < 0.01
    assert t.data_error() < 0.01


def test_epoch_error_in_online_mode(path):
    doc = load_preset("swap")
    t = Trainer(doc, track_epoch_error=True, path=path)
    t.run(max_steps=8)
    assert [s for s, _ in t.epoch_errors] == [4, 8]
    assert t.epoch_errors[-1][1] == pytest.approx(t.network.error(doc.inputs, doc.targets))


def exploding_doc(lr=1e6):
    lin = make_activation("linear", 3.0)
    net = Network(
        ["x", "h", "o"], [1, 2, 1], [lin, lin], [[[1.0], [1.0]], [[1.0, 1.0]]], loss=make_loss("sse")
    )
    return Document(net, np.array([[1.0]]), np.array([[0.0]]), learning_rate=lr)


def test_divergence_stops_with_last_finite_weights(path):
    doc = exploding_doc()
    t = Trainer(doc, path=path)
    r = t.run(max_steps=1000)
    assert r.reason == "diverged" and t.diverged_at is not None
    assert len(t.error_history) == t.diverged_at - 1
    assert np.isfinite(t.error_history).all()
    assert t.network.parameters_finite()
    # replaying by hand: the step diverged_at is the first whose values are not finite
    net = doc.network.copy()
    with np.errstate(all="ignore"):
        for _ in range(t.diverged_at - 1):
            tr = trace_step(doc, [0], network=net)
            net.set_parameters(tr.weights_after, tr.biases_after)
        for a, b in zip(net.weights, t.network.weights, strict=True):
            np.testing.assert_allclose(a, b, rtol=0 if path == "numpy" else 1e-12, atol=0)
        tr = trace_step(doc, [0], network=net)
        vals = [tr.error] + [w for w in tr.weights_after] + list(tr.p.grad_w)
        assert not all(np.isfinite(v).all() for v in vals)
    assert t.run(max_steps=10).steps == 0  # stays stopped


def test_divergence_is_silent(recwarn, path):
    Trainer(exploding_doc(), path=path).run(max_steps=1000)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# ------------------------------------------------------------------ the window's stop threshold
def test_stop_error_in_batch_mode_is_the_error_of_a_step(path):
    t = Trainer(load_preset("xor"), path=path)
    r = t.run(max_steps=100_000, stop_error=0.01)
    assert r.reason == "target" and t.step == 302  # README: xor reaches E < 0.01 at step 302
    assert r.error == t.error_history[-1] < 0.01 <= t.error_history[:-1].min()
    assert t.stopped_at == (302, r.error)


def test_stop_error_in_online_mode_is_e_of_all_samples_at_an_epoch_end(path):
    # swap trains online over 4 samples: one sample's error is below 0.05 at step 1, which
    # says nothing about the network; E of all samples falls below 0.01 much later
    doc = load_preset("swap")
    t = Trainer(doc, path=path)
    r = t.run(max_steps=100_000, stop_error=0.01)
    assert r.reason == "target" and t.step % 4 == 0
    assert r.error == pytest.approx(t.network.error(doc.inputs, doc.targets))
    assert r.error < 0.01
    u = Trainer(doc, track_epoch_error=True, path=path)  # the epoch curve: the first point below 0.01
    u.run(max_steps=t.step)
    below = [s for s, e in u.epoch_errors if e < 0.01]
    assert below[0] == t.step == u.step


def test_stop_error_chunks_stop_at_the_same_step(path):
    a, b = Trainer(load_preset("mazur"), path=path), Trainer(load_preset("mazur"), path=path)
    a.run(max_steps=100_000, stop_error=0.001)
    while True:
        r = b.run(max_steps=7, stop_error=0.001)
        if r.reason == "target":
            break
    assert a.step == b.step == 1089
    np.testing.assert_array_equal(a.error_history, b.error_history)


def test_window_defaults_come_from_the_file():
    from bpviz.core.training import LECTURE_SPEED, default_speed, default_stop_error

    xor = load_preset("xor")
    assert (default_speed(xor), default_stop_error(xor)) == (10.0, 0.01)
    xor.speed = "full"
    assert default_speed(xor) is None
    xor.speed = None
    xor.session = None  # a file without either: the lecture speed, 1 % of E at the start
    assert default_speed(xor) == LECTURE_SPEED
    assert default_stop_error(xor) == 0.005  # E starts at 0.52994
    xor.session = {"stop_error": None}
    assert default_stop_error(xor) is None


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_learns_within_about_a_minute_at_its_speed(name, path):
    """Each preset's speed and stop threshold: the run stops at "learned" after 3 to 60
    seconds of lecture time (steps ÷ steps per second; the clock is measured in benchmarks)."""
    from bpviz.core.training import default_speed, default_stop_error

    doc = load_preset(name)
    needs_path(doc, path)
    speed, stop = default_speed(doc), default_stop_error(doc)
    assert speed is not None and stop is not None
    t = Trainer(doc, path=path)
    r = t.run(max_steps=100_000, stop_error=stop)
    assert r.reason == "target"
    assert 3 <= t.step / speed <= 60, (t.step, speed)


def test_drained_records_add_up_to_the_undrained_one(path):
    """``drain`` hands over the steps since the last drain and forgets them (the engine drains
    into each snapshot, so its memory stays flat); what the drains hand over, in order, is the
    record of a trainer never drained, bit for bit, epochs included."""
    doc = load_preset("swap")
    a = Trainer(doc, path=path, track_epoch_error=True)
    b = Trainer(doc, path=path, track_epoch_error=True)
    a.run(max_steps=5000)
    errors, epochs, firsts = [], [], []
    while b.step < 5000:
        b.run(max_steps=min(333, 5000 - b.step))
        first, e, ep = b.drain()
        firsts.append(first)
        errors.append(e)
        epochs += ep
        assert len(b.error_history) == 0 and b.epoch_errors == []
    np.testing.assert_array_equal(np.concatenate(errors), a.error_history)
    assert epochs == a.epoch_errors
    assert firsts == list(range(1, 5000, 333))
    assert b.drain()[0] == 5001 and len(b.drain()[1]) == 0  # nothing new: nothing handed over


def test_a_drained_trainer_gives_back_a_long_stretchs_buffer():
    t = Trainer(load_preset("swap"))
    t.run(max_steps=70_000)  # more than a drained trainer keeps room for
    assert len(t.error_history) == 70_000  # ``bpviz train`` never drains: every step kept
    t.drain()
    t.run(max_steps=10)
    assert t._hist.nbytes < 1_000_000 and len(t.error_history) == 10
