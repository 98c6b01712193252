"""bpviz/core/fastpath.py: the generated training loop gives the numpy path's numbers.

"Equal" is 1e-12 relative to the largest magnitude of what is compared (a weight matrix, the
error history): the two paths sum in different orders, so single values near zero may differ
in more of their own digits. A run on one path is bit for bit the same however it is chunked.
"""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpviz.core import fastpath
from bpviz.core.fileformat import Document
from bpviz.core.functions import Activation, Tanh, make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.training import Trainer

REL = 1e-12


def close(a, b, rel=REL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    if not a.size:
        return
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=0, atol=rel * scale)


def params(t: Trainer) -> np.ndarray:
    net = t.network
    return np.concatenate([w.ravel() for w in net.weights] + list(net.biases or []))


def assert_same_run(a: Trainer, b: Trainer):
    """The same steps, history, parameters (1e-12 of the largest one), epoch errors, stop."""
    assert (a.step, a.diverged_at, a.epoch) == (b.step, b.diverged_at, b.epoch)
    close(a.error_history, b.error_history)
    close(params(a), params(b))
    assert [s for s, _ in a.epoch_errors] == [s for s, _ in b.epoch_errors]
    close([e for _, e in a.epoch_errors], [e for _, e in b.epoch_errors])
    assert (a.stopped_at is None) == (b.stopped_at is None)
    if a.stopped_at is not None:
        assert a.stopped_at[0] == b.stopped_at[0]
        close(a.stopped_at[1], b.stopped_at[1])


def moderate(t: Trainer) -> bool:
    """Still in the range where the comparison means something. The paths' exp and tanh
    (math's, numpy's SIMD ones) differ in the last bit for a few % of arguments; that is
    1e-16 relative, until a saturated neuron's f′ = out·(1 − out) or 1 − out² cancels it up
    (out within 1e-9 of ±1: 1e-7), which large weights multiply further; and near 1e308 a
    sum overflows or not by the order of its terms. So a run is compared while its
    parameters stay below 100 (divergence itself is pinned by the tests below)."""
    errs = list(t.error_history[-1:]) + [e for _, e in t.epoch_errors[-1:]]
    return t.diverged_at is None and np.abs(params(t)).max() < 100 and all(e < 1e100 for e in errs)


def both(doc, steps, track=False, **kw):
    """The same run on the numpy path and on the fast path."""
    runs = [Trainer(doc, path=p, track_epoch_error=track) for p in ("numpy", "fast")]
    for t in runs:
        t.run(max_steps=steps, **kw)
    return runs


def make_doc(sizes, acts, loss, biases, M, mode, batch_size, seed, lr, shuffle_seed=None, scale=1.0):
    rng = np.random.default_rng(seed)
    L = len(sizes) - 1
    ws = [rng.uniform(-scale, scale, (sizes[j + 1], sizes[j])) for j in range(L)]
    bs = None if biases == "none" else [rng.uniform(-scale, scale, sizes[j + 1]) for j in range(L)]
    net = Network([f"L{k}" for k in range(L + 1)], sizes, acts, ws, bs, biases == "trained", make_loss(loss))
    X, T = rng.uniform(-1, 1, (M, sizes[0])), rng.uniform(-1, 1, (M, sizes[-1]))
    return Document(net, X, T, lr, mode, batch_size, shuffle_seed)


# ------------------------------------------------------------------------------- presets
@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_trains_the_same_on_both_paths(name):
    doc = load_preset(name)
    if not fastpath.supports(doc.network):  # softmax, cross-entropy: numpy only (the issue allows it)
        with pytest.raises(ValueError, match="fast path does not support"):
            Trainer(doc, path="fast")
        return
    a, b = both(doc, 3000, track=True)
    assert_same_run(a, b)


@pytest.mark.parametrize("path", ["numpy", "fast"])
def test_mazur_after_10000_steps_on_both_paths(path):
    """Seed 004's "after 10,000 iterations" (tests/core/test_seeds.py) on either path."""
    t = Trainer(load_preset("mazur"), path=path)
    t.run(max_steps=10_000)
    assert f"{t.error_history[9999]:.9e}" == "3.510854812e-05"


def test_bpviz_train_json_keeps_the_seed_figure(capsys):
    from bpviz.cli import main

    assert main(["train", "mazur", "--steps", "10000", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert f"{res['error_history'][9999]:.9e}" == "3.510854812e-05"


# --------------------------------------------------------------------- random networks
ACTS = st.sampled_from(["sigmoid", "tanh", "relu", "identity", "linear"])


@st.composite
def docs(draw, rates=(0.05, 0.5, 2.0)):
    L = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1))
    acts = [
        make_activation(n, draw(st.sampled_from([0.5, 1.5, -1.0]))) if n == "linear" else make_activation(n)
        for n in draw(st.lists(ACTS, min_size=L, max_size=L))
    ]
    M = draw(st.integers(1, 6))
    mode = draw(st.sampled_from(["online", "batch", "minibatch"]))
    bsz = draw(st.integers(1, M + 1)) if mode == "minibatch" else None
    shuffle = draw(st.sampled_from([None, 7])) if mode == "minibatch" else None
    return make_doc(
        sizes,
        acts,
        draw(st.sampled_from(["half_sse", "sse", "mse"])),
        draw(st.sampled_from(["none", "fixed", "trained"])),
        M,
        mode,
        bsz,
        draw(st.integers(0, 2**32 - 1)),
        draw(st.sampled_from(rates)),
        shuffle,
    )


def trainers(doc, track, sample):
    s = 0 if sample and doc.mode == "online" else None
    return [Trainer(doc, path=p, track_epoch_error=track, sample=s) for p in ("numpy", "fast")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=docs(), track=st.booleans(), sample=st.booleans())
def test_every_step_of_random_networks_is_the_same_on_both_paths(doc, track, sample):
    """Each step from the same parameters (η up to 2, so some runs oscillate or diverge):
    the fast path is then set to the numpy path's parameters, so a chaotic run's growing
    separation (below) cannot hide or excuse a wrong step."""
    a, b = trainers(doc, track, sample)
    for _ in range(30):
        a.run(max_steps=1)
        b.run(max_steps=1)
        if not moderate(a):
            break
        assert_same_run(a, b)
        b.network.set_parameters(a.network.weights, a.network.biases)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=docs(rates=(0.01, 0.1)), track=st.booleans(), sample=st.booleans())
def test_random_networks_train_the_same_on_both_paths(doc, track, sample):
    """Whole runs agree while the descent is stable. (With a large η a run can be chaotic:
    math.tanh and np.tanh differ in the last bit for ~30 % of arguments, and a chaotic run
    doubles such a difference every few steps, as it would between two BLAS libraries; a
    ReLU whose net is within rounding of 0 can turn off on one path only. Over 1,500 random
    runs of 30 steps the largest difference was 1.7e-13 of the largest value.)"""
    a, b = trainers(doc, track, sample)
    a.run(max_steps=30)
    b.run(max_steps=30)
    assume(moderate(a))
    assert_same_run(a, b)


# ------------------------------------------------------------------------------ semantics
def test_minibatch_with_shuffling_a_short_last_batch_and_mse():
    doc = make_doc(
        [3, 4, 2],
        [make_activation("tanh"), make_activation("sigmoid")],
        "mse",
        "trained",
        7,
        "minibatch",
        3,
        1,
        0.3,
        5,
    )
    a, b = both(doc, 50, track=True)
    assert a.schedule.steps_per_epoch == 3 and len(a.epoch_errors) == 16
    assert_same_run(a, b)


def test_stop_conditions_stop_both_paths_at_the_same_step():
    doc = load_preset("swap")
    for kw in ({"target_error": 0.05}, {"stop_error": 0.01}):
        a, b = both(doc, 100_000, **kw)
        assert a.stopped_at is not None
        assert_same_run(a, b)


def test_a_saturated_sigmoid_is_0_not_an_overflow():
    """net < −709: e^(−net) overflows; numpy's σ is 1/(1 + inf) = 0, and so is the fast path's."""
    sig = make_activation("sigmoid")
    net = Network(["x", "o"], [1, 1], [sig], [[[-1000.0]]], [[0.0]])
    doc = Document(net, np.array([[1.0]]), np.array([[0.5]]), 0.5)
    a, b = both(doc, 5)
    assert b.error_history[0] == 0.125  # ½(0.5 − 0)²: σ was 0
    assert_same_run(a, b)


def test_fixed_biases_stay_fixed_on_the_fast_path():
    t = Trainer(load_preset("mazur"), path="fast")
    t.run(max_steps=100)
    assert [b.tolist() for b in t.network.biases] == [[0.35, 0.35], [0.6, 0.6]]


def test_divergence_stops_both_paths_at_the_same_step():
    lin = make_activation("linear", 3.0)
    net = Network(
        ["x", "h", "o"], [1, 2, 1], [lin, lin], [[[1.0], [1.0]], [[1.0, 1.0]]], loss=make_loss("sse")
    )
    doc = Document(net, np.array([[1.0]]), np.array([[0.0]]), learning_rate=0.2)
    a, b = both(doc, 1000)
    assert a.diverged_at is not None
    assert_same_run(a, b)


def test_a_step_whose_error_is_finite_but_whose_update_is_not_diverges():
    """E is finite, but η·∂E/∂w overflows: the step-by-step replay checks every parameter."""
    ident = make_activation("identity")
    net = Network(["x", "o"], [1, 1], [ident], [[[1.0]]], loss=make_loss("half_sse"))
    doc = Document(net, np.array([[2.0]]), np.array([[0.0]]), learning_rate=1e308)  # η·4 = inf
    a, b = both(doc, 10)
    assert a.diverged_at == b.diverged_at == 1 and a.step == b.step == 0
    assert b.network.weights[0].tolist() == [[1.0]]


def test_a_run_on_the_fast_path_is_bit_for_bit_however_it_is_chunked():
    doc = load_preset("xor-deep")
    a, b = Trainer(doc, path="fast"), Trainer(doc, path="fast")
    a.run(max_steps=500)
    while b.step < 500:
        b.run(max_steps=min(13, 500 - b.step))
    np.testing.assert_array_equal(a.error_history, b.error_history)
    for x, y in zip(a.network.weights, b.network.weights, strict=True):
        np.testing.assert_array_equal(x, y)


def test_edits_between_chunks_reach_the_fast_path():
    """The engine edits a weight in the trainer's network between chunks."""
    doc = load_preset("mazur")
    a, b = Trainer(doc, path="numpy"), Trainer(doc, path="fast")
    for t in (a, b):
        t.run(max_steps=10)
        t.network.weights[1][0, 1] = 0.25
        t.learning_rate = 0.1
        t.run(max_steps=10)
    assert_same_run(a, b)


# -------------------------------------------------------------------------- the choice
class Softsign(Tanh):
    """An activation the generated code does not know (it stands for softmax and the like)."""

    name = "softsign"

    def forward_fn(self, net, out):
        np.divide(net, 1.0 + np.abs(net), out=out)

    def derivative_fn(self, net, out, res):
        np.divide(1.0, (1.0 + np.abs(net)) ** 2, out=res)


def test_what_the_fast_path_does_not_support_falls_back_to_numpy():
    doc = load_preset("mazur")
    doc.network.activations = [Softsign(), make_activation("sigmoid")]
    assert isinstance(doc.network.activations[0], Activation)
    assert not fastpath.supports(doc.network)
    t = Trainer(doc)
    assert t.path == "numpy"
    t.run(max_steps=10)
    assert len(t.error_history) == 10
    with pytest.raises(ValueError):
        Trainer(doc, path="fast")


def test_a_subclass_that_keeps_a_known_name_falls_back_too():
    class SteepSigmoid(type(make_activation("sigmoid"))):
        def forward_fn(self, net, out):
            super().forward_fn(2.0 * net, out)

    doc = load_preset("mazur")
    doc.network.activations = [SteepSigmoid(), make_activation("sigmoid")]
    assert doc.network.activations[0].name == "sigmoid"
    assert Trainer(doc).path == "numpy"


def test_the_path_is_chosen_by_the_work_of_a_step():
    small = load_preset("xor")  # 2-2-1, 4 samples a step
    assert Trainer(small).path == "fast"
    big = make_doc(
        [784, 128, 10], [make_activation("sigmoid")] * 2, "half_sse", "none", 4, "online", None, 0, 0.1
    )
    assert Trainer(big).path == "numpy"
    wide = make_doc(
        [2, 8, 1], [make_activation("sigmoid")] * 2, "half_sse", "trained", 200, "batch", None, 0, 0.1
    )
    t = Trainer(wide)
    assert t.path == "numpy"  # 24 weights × 200 rows a step
    t.set_mode("online")
    assert t.path == "fast"  # 24 weights × 1 row, plus the epoch curve's share: not tracked
    pinned = Trainer(wide, path="numpy")
    pinned.set_mode("online")
    assert pinned.path == "numpy"  # a replay keeps the path its run used
    with pytest.raises(ValueError):
        Trainer(wide, path="numba")
