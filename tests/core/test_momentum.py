"""Gradient descent with momentum (bpviz.core.momentum) in the trainer.

The trainer's updates equal a straightforward reference loop (plain numpy, written here: its
own forward and backward pass, its own batches) to 1e-12 over 1,000 steps in online, batch and
shuffled minibatch mode, with trained, fixed and no biases; α = 0 is today's plain update bit
for bit; the careful replay after a non-finite chunk is bit for bit the fast loop, velocity
included; the fast path declines α > 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import fastpath, momentum
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network, Pass
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer

STEPS = 1000
ALPHA = 0.9
ETA = 0.3
MODES = {"online": (None, None), "batch": (None, None), "minibatch": (3, 7)}
BIASES = ("trained", "fixed", "none")


def document(mode: str, biases: str, alpha: float = ALPHA) -> Document:
    """2 inputs → 3 sigmoid → 2 sigmoid, half of the squared error, 8 samples."""
    rng = np.random.default_rng(11)
    w = [rng.uniform(-0.8, 0.8, (3, 2)), rng.uniform(-0.8, 0.8, (2, 3))]
    b = None if biases == "none" else [rng.uniform(-0.3, 0.3, 3), rng.uniform(-0.3, 0.3, 2)]
    net = Network(
        ["i", "h", "o"],
        [2, 3, 2],
        [make_activation("sigmoid"), make_activation("sigmoid")],
        w,
        b,
        biases != "fixed",
        make_loss("half_sse"),
    )
    x = rng.uniform(-1, 1, (8, 2))
    t = np.stack([(x[:, 0] * x[:, 1] > 0) * 0.8 + 0.1, (x[:, 0] > x[:, 1]) * 0.8 + 0.1], axis=1)
    batch, seed = MODES[mode]
    return Document(net, x, t, ETA, mode, batch, seed, momentum=alpha)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference(doc: Document, steps: int):
    """The textbook loop: for each step its rows, a forward and a backward pass, then
    v ← α·v + ∂E/∂w, w ← w − η·v (v from 0; biases alike when trained)."""
    net = doc.network
    W = [w.copy() for w in net.weights]
    B = None if net.biases is None else [b.copy() for b in net.biases]
    VW = [np.zeros_like(w) for w in W]
    VB = None if B is None else [np.zeros_like(b) for b in B]
    X, T, M = doc.inputs, doc.targets, len(doc.inputs)
    rng = None if doc.shuffle_seed is None else np.random.default_rng(doc.shuffle_seed)
    order = np.arange(M)
    errors = []
    for s in range(steps):
        if doc.mode == "online":
            rows = [s % M]
        elif doc.mode == "batch":
            rows = list(range(M))
        else:
            per = -(-M // doc.batch_size)
            epoch, pos = divmod(s, per)
            if pos == 0:
                order = rng.permutation(M)
            rows = order[pos * doc.batch_size : (pos + 1) * doc.batch_size]
        x, t = X[rows], T[rows]
        outs = [x]
        for j in range(len(W)):
            z = outs[-1] @ W[j].T + (0 if B is None else B[j])
            outs.append(sigmoid(z))
        errors.append(0.5 * float(np.sum((outs[-1] - t) ** 2)))
        delta = (outs[-1] - t) * outs[-1] * (1 - outs[-1])
        gw, gb = [None] * len(W), [None] * len(W)
        for j in range(len(W) - 1, -1, -1):
            gw[j] = delta.T @ outs[j]
            gb[j] = delta.sum(axis=0)
            if j:
                delta = (delta @ W[j]) * outs[j] * (1 - outs[j])
        for j in range(len(W)):
            VW[j] = doc.momentum * VW[j] + gw[j]
            W[j] = W[j] - doc.learning_rate * VW[j]
            if B is not None and net.train_biases:
                VB[j] = doc.momentum * VB[j] + gb[j]
                B[j] = B[j] - doc.learning_rate * VB[j]
    return W, B, VW, VB, np.array(errors)


def close(a, b, tol=1e-12):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) <= tol * max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("biases", BIASES)
@pytest.mark.parametrize("mode", MODES)
def test_momentum_equals_the_reference_loop_over_1000_steps(mode, biases):
    doc = document(mode, biases)
    tr = Trainer(doc)
    assert tr.path == "numpy"  # α > 0: the generated fast path declines
    for n in (1, 9, 90, 900):  # chunks of several sizes: the velocity carries across them
        tr.run(max_steps=n)
    assert tr.step == STEPS
    W, B, VW, VB, errors = reference(doc, STEPS)
    assert close(tr.error_history, errors)
    for a, b in zip(tr.network.weights, W, strict=True):
        assert close(a, b)
    for a, b in zip(tr.velocity.weights, VW, strict=True):
        assert close(a, b)
    if biases == "none":
        assert tr.network.biases is None and tr.velocity.biases is None
    else:
        for a, b in zip(tr.network.biases, B, strict=True):
            assert close(a, b)
        for a, b in zip(tr.velocity.biases, VB, strict=True):
            assert close(a, b)
        if biases == "fixed":  # fixed biases keep their value and their (zero) velocity
            assert all(
                np.array_equal(a, b) for a, b in zip(tr.network.biases, doc.network.biases, strict=True)
            )
            assert not any(v.any() for v in tr.velocity.biases)
    # momentum did something: plain descent ends elsewhere
    plain = reference(document(mode, biases, alpha=0.0), STEPS)[0]
    assert not close(plain[0], W[0], 1e-3)


def today(doc: Document, steps: int):
    """The plain update as the trainer made it before momentum: g *= η, w −= g, on a Pass."""
    net = doc.network.copy()
    tr = Trainer(doc, path="numpy")  # only for its schedule
    errors = []
    for s in range(steps):
        rows = tr.schedule.rows(s)
        p = Pass(net, len(rows))
        errors.append(p.run(doc.inputs[rows], doc.targets[rows], net.biases is not None and net.train_biases))
        for j, g in enumerate(p.grad_w):
            g *= doc.learning_rate
            net.weights[j] -= g
        if net.biases is not None and net.train_biases:
            for j, g in enumerate(p.grad_b):
                g *= doc.learning_rate
                net.biases[j] -= g
    return net, np.array(errors)


@pytest.mark.parametrize("mode", MODES)
def test_alpha_zero_is_todays_plain_update_bit_for_bit(mode):
    doc = document(mode, "trained", alpha=0.0)
    doc.velocity = momentum.zeros(doc.network)  # a saved velocity is not used at α = 0
    doc.velocity.weights[0][:] = 5.0
    tr = Trainer(doc, path="numpy")
    assert tr.velocity is None
    tr.run(max_steps=300)
    net, errors = today(doc, 300)
    assert np.array_equal(tr.error_history, errors)
    for a, b in zip(tr.network.weights + tr.network.biases, net.weights + net.biases, strict=True):
        assert np.array_equal(a, b)
    assert tr.velocity is None


def test_fast_path_declines_momentum():
    doc = load_preset("mazur")
    assert fastpath.supports(doc.network) and not fastpath.supports(doc.network, 0.5)
    assert fastpath.choose(doc.network, 1, 1, 1, False) == "fast"
    assert fastpath.choose(doc.network, 1, 1, 1, False, 0.5) == "numpy"
    doc.momentum = 0.9
    assert Trainer(doc).path == "numpy"
    with pytest.raises(ValueError, match="does not support momentum"):
        Trainer(doc, path="fast")
    doc.momentum = 0.0
    t = Trainer(doc)
    assert t.path == "fast"
    t.momentum = 0.9  # between chunks: the trainer moves to the numpy path
    assert t.path == "numpy"
    t.momentum = 0.0
    assert t.path == "fast"
    fixed = Trainer(doc, path="fast")
    with pytest.raises(ValueError, match="does not support momentum"):
        fixed.momentum = 0.5


def test_a_change_of_alpha_between_chunks_keeps_the_velocity_and_zero_drops_it():
    doc = document("online", "trained")
    a, b = Trainer(doc), Trainer(doc)
    a.run(max_steps=20)
    a.momentum = 0.5
    a.run(max_steps=20)
    b.run(max_steps=20)
    v = momentum.copy(b.velocity)
    b.momentum = 0.5
    assert all(np.array_equal(x, y) for x, y in zip(b.velocity.weights, v.weights, strict=True))
    b.run(max_steps=20)
    assert all(np.array_equal(x, y) for x, y in zip(a.network.weights, b.network.weights, strict=True))
    a.momentum = 0.0
    assert a.velocity is None


def test_the_trainer_starts_from_the_documents_velocity():
    doc = document("batch", "trained")
    first = Trainer(doc)
    first.run(max_steps=50)
    resumed = doc.copy()
    resumed.network = first.network.copy()
    resumed.velocity = momentum.copy(first.velocity)
    second = Trainer(resumed)
    second.run(max_steps=50)
    first.run(max_steps=50)
    assert all(
        np.array_equal(x, y) for x, y in zip(first.network.weights, second.network.weights, strict=True)
    )
    assert all(
        np.array_equal(x, y) for x, y in zip(first.velocity.weights, second.velocity.weights, strict=True)
    )
    bad = resumed.copy()
    bad.velocity = momentum.Velocity(bad.velocity.weights[:1], bad.velocity.biases)
    with pytest.raises(ValueError, match="does not fit"):
        Trainer(bad)


def test_a_diverging_chunk_is_replayed_carefully_with_the_velocity_rolled_back():
    """The careful replay after a non-finite chunk gives the fast loop's numbers bit for bit
    (same steps before the divergence), and stops with the velocity of the last finite step."""
    doc = document("online", "trained")
    doc.network.activations = [make_activation("tanh"), make_activation("identity")]
    doc.learning_rate = 2.0
    doc.momentum = 0.9
    whole = Trainer(doc)
    r = whole.run(max_steps=100_000)
    assert r.reason == "diverged"
    bad = whole.diverged_at
    ok = Trainer(doc)
    for _ in range(bad - 1):  # one step a chunk: never rolled back
        ok.run(max_steps=1)
    assert ok.step == whole.step == bad - 1
    assert np.array_equal(ok.error_history, whole.error_history)
    for a, b in zip(
        [*ok.network.weights, *ok.velocity.weights],
        [*whole.network.weights, *whole.velocity.weights],
        strict=True,
    ):
        assert np.array_equal(a, b)
    assert all(np.isfinite(v).all() for v in whole.velocity.weights)
