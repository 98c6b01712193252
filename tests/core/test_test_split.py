"""Held-out test rows (data.test): never trained on, their error on the training set's scale
(× M / M_test for a loss that sums over samples, unscaled for mse), accuracy on the train and
test rows; and derived features expanded once by the trainer."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import training
from bpviz.core.fileformat import Document, parse
from bpviz.core.functions import make_loss
from bpviz.core.presets import load_preset
from bpviz.core.training import PATHS, Trainer


def doc_with(mode="online", loss="half_sse", batch_size=None, test=True, out_act="sigmoid", n_out=1):
    rng = np.random.default_rng(3)
    x = np.round(rng.uniform(-1, 1, (8, 2)), 3)
    t = (x[:, :1] * x[:, 1:] > 0).astype(float)
    t = t if n_out == 1 else np.hstack([t, 1 - t])
    tx = np.round(rng.uniform(-1, 1, (5, 2)), 3)
    tt = (tx[:, :1] * tx[:, 1:] > 0).astype(float)
    tt = tt if n_out == 1 else np.hstack([tt, 1 - tt])
    obj = {
        "format": "bpviz/1",
        "layers": [
            {"name": "x", "size": 2},
            {"name": "h", "size": 3, "activation": "tanh"},
            {"name": "y", "size": n_out, "activation": out_act},
        ],
        "init": {"scheme": "xavier", "seed": 2},
        "biases": "init",
        "loss": loss,
        "learning_rate": 0.3,
        "mode": mode,
        "data": {"inputs": x.tolist(), "targets": t.tolist()},
    }
    if batch_size is not None:
        obj["batch_size"] = batch_size
    if test:
        obj["data"]["test"] = {"inputs": tx.tolist(), "targets": tt.tolist()}
    return parse(obj)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode, bs", [("online", None), ("minibatch", 3), ("batch", None)])
def test_the_trainer_never_trains_on_the_test_rows(path, mode, bs):
    """The same run with and without test rows: the same history and weights, bit for bit.
    (A trainer that used the test rows in any step would differ.)"""
    a = Trainer(doc_with(mode, batch_size=bs, test=True), path=path)
    b = Trainer(doc_with(mode, batch_size=bs, test=False), path=path)
    a.run(max_steps=200)
    b.run(max_steps=200)
    assert a.error_history.tobytes() == b.error_history.tobytes()
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        assert wa.tobytes() == wb.tobytes()
    assert a.test_error() is not None and b.test_error() is None
    # and the data error is of the training rows only
    assert a.data_error() == b.data_error()


def test_training_on_the_test_rows_would_show():
    """The check above can fail: adding the test rows to the training data changes the run."""
    d = doc_with("batch")
    both = d.copy()
    both.inputs = np.vstack([d.inputs, d.test_inputs])
    both.targets = np.vstack([d.targets, d.test_targets])
    a, b = Trainer(d), Trainer(both)
    a.run(max_steps=5)
    b.run(max_steps=5)
    assert a.error_history.tobytes() != b.error_history.tobytes()


@pytest.mark.parametrize("mode, bs", [("online", None), ("minibatch", 3), ("batch", None)])
@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse", "binary_cross_entropy"])
def test_the_test_error_is_on_the_training_sets_scale(mode, bs, loss):
    """E_test × M / M_test in every mode: it compares with E of all training rows, the curve
    the error plot draws and train's final_error."""
    m = 8  # training rows
    d = doc_with(mode, loss=loss, batch_size=bs)
    net = d.network
    out = net.outputs(d.test_inputs)
    e = make_loss(loss).value(out, d.test_targets)
    want = e if loss == "mse" else e * m / 5  # five test rows
    assert training.test_error(d) == pytest.approx(want, rel=1e-14)
    t = Trainer(d)
    assert t.test_error() == pytest.approx(want, rel=1e-14)
    t.run(max_steps=7)  # after training: the trainer's weights, not the file's
    out = t.network.outputs(d.test_inputs)
    e = make_loss(loss).value(out, d.test_targets)
    assert t.test_error() == pytest.approx(e if loss == "mse" else e * m / 5, rel=1e-14)
    assert training.test_error(d, t.network) == pytest.approx(t.test_error(), rel=1e-14)


def test_a_perfect_fit_of_train_and_test_alike_gives_equal_errors():
    """Test rows that are copies of the training rows give exactly E of all training rows,
    whatever the mode and however many copies: the two curves share a scale."""
    for mode, bs in (("online", None), ("minibatch", 4), ("batch", None)):
        d = doc_with(mode, batch_size=bs)
        d.test_inputs = np.vstack([d.inputs, d.inputs, d.inputs])
        d.test_targets = np.vstack([d.targets, d.targets, d.targets])
        t = Trainer(d)
        assert t.test_error() == pytest.approx(t.data_error(), rel=1e-13)
        assert training.test_error(d) == pytest.approx(d.network.error(d.inputs, d.targets), rel=1e-13)


def test_no_test_rows_no_test_error():
    d = doc_with(test=False)
    assert training.test_error(d) is None and Trainer(d).test_error() is None
    assert Trainer(d).test_accuracy() is None


def test_accuracy_on_train_and_test_rows():
    d = doc_with("batch", loss="binary_cross_entropy")
    t = Trainer(d)
    t.run(max_steps=50)
    p = (t.network.outputs(d.inputs)[:, 0] >= 0.5).astype(float)
    assert t.accuracy() == np.mean(p == d.targets[:, 0])
    pt = (t.network.outputs(d.test_inputs)[:, 0] >= 0.5).astype(float)
    assert t.test_accuracy() == np.mean(pt == d.test_targets[:, 0])
    assert training.accuracy(d, t.network) == t.accuracy()
    assert training.test_accuracy(d, t.network) == t.test_accuracy()
    # an identity output without class names: accuracy does not apply
    plain = doc_with("batch", out_act="identity")
    assert Trainer(plain).accuracy() is None and training.accuracy(plain) is None
    plain.classes = ["other", "same"]
    assert Trainer(plain).accuracy() is not None and training.test_accuracy(plain) is not None


def test_softmax_accuracy_by_argmax():
    d = doc_with("batch", loss="cross_entropy", out_act="softmax", n_out=2)
    t = Trainer(d)
    t.run(max_steps=30)
    out = t.network.outputs(d.test_inputs)
    assert t.test_accuracy() == np.mean(out.argmax(1) == d.test_targets.argmax(1))


# ------------------------------------------------------------------------------ features
def feature_docs():
    """A network with x1*x2 and x1^2 derived, and the same network fed the expanded rows."""
    d = doc_with("minibatch", batch_size=3)
    obj = {
        "format": "bpviz/1",
        "layers": [
            {"name": "x", "size": 4},
            {"name": "h", "size": 3, "activation": "tanh"},
            {"name": "y", "size": 1, "activation": "sigmoid"},
        ],
        "features": ["x1*x2", "x1^2"],
        "init": {"scheme": "xavier", "seed": 5},
        "biases": "init",
        "learning_rate": 0.5,
        "mode": "minibatch",
        "batch_size": 3,
        "shuffle_seed": 1,
        "data": {
            "inputs": d.inputs.tolist(),
            "targets": d.targets.tolist(),
            "test": {"inputs": d.test_inputs.tolist(), "targets": d.test_targets.tolist()},
        },
    }
    feat = parse(obj)
    x = feat.inputs
    full = np.hstack([x, x[:, :1] * x[:, 1:2], x[:, :1] ** 2])
    obj2 = dict(obj)
    del obj2["features"]
    obj2["data"] = {"inputs": full.tolist(), "targets": d.targets.tolist()}
    return feat, parse(obj2)


@pytest.mark.parametrize("path", PATHS)
def test_features_are_expanded_once_and_train_as_the_expanded_rows(path):
    feat, expanded = feature_docs()
    a, b = Trainer(feat, path=path), Trainer(expanded, path=path)
    assert a.inputs.shape == (8, 4) and np.array_equal(a.inputs, b.inputs)  # expanded up front
    assert a.test_inputs.shape == (5, 4)
    a.run(max_steps=100)
    b.run(max_steps=100)
    assert a.error_history.tobytes() == b.error_history.tobytes()
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        assert wa.tobytes() == wb.tobytes()
    assert a.data_error() == b.data_error()
    assert a.test_error() == pytest.approx(training.test_error(feat, a.network), rel=1e-14)


def test_lecture_preset_test_rows_are_held_out():
    doc = load_preset("circle")
    assert doc.n_test == 60 and doc.n_samples == 140
    t = Trainer(doc)
    assert t.inputs.shape == (140, 2) and t.schedule.M == 140
    assert isinstance(training.test_error(doc), float)


def test_document_test_rows_survive_set_mode_and_copy():
    d = doc_with("online")
    c = Document.copy(d)
    assert np.array_equal(c.test_inputs, d.test_inputs)
    assert Trainer(c).test_error() == Trainer(d).test_error()
