"""bpviz/core/classify.py: the predicted class, accuracy and the confusion matrix, on cases
worked out by hand (FORMAT.md's rule: argmax for several outputs, 0.5 — or 0 for tanh — for
one)."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import classify
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network


def doc_of(
    n_out: int, out_act: str = "sigmoid", loss: str = "half_sse", classes=None, target: float = 0.0
) -> Document:
    net = Network(
        ["i", "o"],
        [2, n_out],
        [make_activation(out_act)],
        [np.zeros((n_out, 2))],
        None,
        True,
        make_loss(loss),
    )
    return Document(net, np.zeros((1, 2)), np.full((1, n_out), target), classes=classes)


def test_when_accuracy_applies():
    assert not classify.applies(doc_of(1, target=0.01))  # mazur's targets: a regression
    assert not classify.applies(doc_of(1, "tanh"))
    assert classify.applies(doc_of(1))  # a sigmoid output with targets 0 and 1 (CLI.md)
    assert classify.applies(doc_of(2, target=1.0))
    assert classify.applies(doc_of(1, "tanh", classes=["no", "yes"]))
    assert classify.applies(doc_of(1, classes=["no", "yes"]))
    assert classify.applies(doc_of(1, loss="binary_cross_entropy"))
    assert classify.applies(doc_of(3, "softmax", "cross_entropy"))
    assert classify.applies(doc_of(3, "softmax", "cross_entropy").network)  # a network alone: its loss
    assert not classify.applies(doc_of(2).network)


def test_several_outputs_take_the_largest():
    d = doc_of(3, "softmax", "cross_entropy")
    out = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    t = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]], dtype=float)
    assert classify.predict(d, out).tolist() == [1, 0, 2, 2]
    assert classify.true_classes(d, t).tolist() == [1, 2, 2, 0]
    assert classify.accuracy(d, out, t) == 0.5
    # rows: true class; columns: predicted
    assert classify.confusion(d, out, t).tolist() == [[0, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_one_output_splits_at_a_half_and_at_zero_for_tanh():
    d = doc_of(1, classes=["a", "b"])
    out = np.array([[0.49], [0.5], [0.9], [0.1]])
    t = np.array([[0.0], [1.0], [0.0], [0.0]])
    assert classify.predict(d, out).tolist() == [0, 1, 1, 0]  # 0.5 is class 2
    assert classify.accuracy(d, out, t) == 0.75
    assert classify.confusion(d, out, t).tolist() == [[2, 1], [0, 1]]
    th = doc_of(1, "tanh", classes=["a", "b"])
    out_t = np.array([[-0.01], [0.0], [0.7], [-0.9]])
    t_t = np.array([[-1.0], [1.0], [-1.0], [-1.0]])
    assert classify.threshold(th) == 0.0 and classify.threshold(d) == 0.5
    assert classify.predict(th, out_t).tolist() == [0, 1, 1, 0]
    assert classify.accuracy(th, out_t, t_t) == 0.75


def test_no_accuracy_where_it_does_not_apply_or_without_rows():
    d = doc_of(1, "identity")
    assert classify.accuracy(d, np.array([[0.9]]), np.array([[1.0]])) is None
    c = doc_of(1, classes=["a", "b"])
    assert classify.accuracy(c, np.zeros((0, 1)), np.zeros((0, 1))) is None
    assert classify.confusion(c, np.zeros((0, 1)), np.zeros((0, 1))).tolist() == [[0, 0], [0, 0]]


def test_class_names():
    assert classify.class_names(doc_of(1, classes=["inside", "outside"])) == ["inside", "outside"]
    assert classify.class_names(doc_of(1)) == ["class 1", "class 2"]
    assert classify.class_names(doc_of(3, "softmax", "cross_entropy")) == ["class 1", "class 2", "class 3"]


@pytest.mark.parametrize("n_out", [1, 4])
def test_accuracy_counts_each_row_once(n_out):
    rng = np.random.default_rng(1)
    d = doc_of(n_out, "softmax" if n_out > 1 else "sigmoid", classes=[f"c{i}" for i in range(max(2, n_out))])
    out = rng.random((50, n_out))
    t = rng.random((50, n_out))
    m = classify.confusion(d, out, t)
    assert m.sum() == 50
    assert classify.accuracy(d, out, t) == pytest.approx(np.trace(m) / 50, abs=0)


def test_several_sigmoid_outputs_count_a_row_when_every_output_agrees():
    """The swap table: targets may name two classes at once; each output is its own yes/no."""
    d = doc_of(2, target=1.0)
    out = np.array([[0.9, 0.8], [0.2, 0.7], [0.6, 0.1], [0.4, 0.4]])
    t = np.array([[1, 1], [0, 1], [1, 1], [0, 0]], dtype=float)
    assert classify.correct(d, out, t).tolist() == [True, True, False, True]
    assert classify.accuracy(d, out, t) == 0.75
    assert not classify.exclusive(d, t)  # [1, 1] is two classes: no confusion matrix
    assert classify.exclusive(d, np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert classify.exclusive(doc_of(3, "softmax", "cross_entropy"))
    assert classify.exclusive(doc_of(1))
