"""Classification: which class a network's output names, accuracy and the confusion matrix.

Accuracy applies (FORMAT.md, CLI.md) to a classification network: a softmax output layer, a
cross-entropy loss (``cross_entropy``, ``binary_cross_entropy``), a sigmoid output layer whose
targets are all 0 or 1, or data that names its classes (``data.classes``). The rule:

* a softmax output layer: the predicted class is the largest output (argmax), the true class
  the target's largest entry (one-hot rows: the 1);
* one output: class 2 when the value is ≥ 0.5 (≥ 0 when the output activation is tanh, whose
  targets are −1 and 1), else class 1; the targets are classed by the same threshold;
* several outputs without softmax: each output says yes when ≥ 0.5 (≥ 0 for tanh), and a row
  counts as right when every output agrees with its target. Such rows may name several classes
  at once (the swap table), so the confusion matrix, which needs one class per row, is kept
  for data whose targets are one-hot (``exclusive``); its classes are then the largest output.

Classes are counted from 0 in the arrays here (class 1 of the text is index 0). numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CLASSIFYING_LOSSES",
    "applies",
    "threshold",
    "predict",
    "true_classes",
    "accuracy",
    "confusion",
    "class_names",
    "n_classes",
    "correct",
    "exclusive",
]

CLASSIFYING_LOSSES = ("cross_entropy", "binary_cross_entropy")


def _network(doc_or_net):
    return getattr(doc_or_net, "network", doc_or_net)


def _classes(doc_or_net) -> list[str] | None:
    return getattr(doc_or_net, "classes", None)


def _targets(doc_or_net, targets) -> np.ndarray | None:
    if targets is not None:
        return np.asarray(targets, dtype=np.float64)
    t = getattr(doc_or_net, "targets", None)
    if t is None:
        return None
    tt = getattr(doc_or_net, "test_targets", None)
    if tt is not None and np.size(tt):
        return np.concatenate([np.atleast_2d(t), np.atleast_2d(tt)])
    return np.asarray(t, dtype=np.float64)


def applies(doc_or_net, classes: list[str] | None = None, targets: np.ndarray | None = None) -> bool:
    """Does accuracy mean anything here? A softmax output layer, a cross-entropy loss, data that
    names its classes, or a sigmoid output layer whose targets (``targets``, else the
    document's training and test targets) are all 0 or 1."""
    if (classes if classes is not None else _classes(doc_or_net)) is not None:
        return True
    net = _network(doc_or_net)
    out_act = net.activations[-1].name
    if net.loss.name in CLASSIFYING_LOSSES or out_act == "softmax":
        return True
    if out_act == "sigmoid":
        t = _targets(doc_or_net, targets)
        return t is not None and t.size > 0 and bool(np.isin(t, (0.0, 1.0)).all())
    return False


def _per_output(doc_or_net) -> bool:
    """Several outputs, each its own yes or no (no softmax tying them together)."""
    net = _network(doc_or_net)
    return net.sizes[-1] > 1 and net.activations[-1].name != "softmax"


def threshold(doc_or_net) -> float:
    """One output's class boundary: 0 for a tanh output layer, else 0.5."""
    return 0.0 if _network(doc_or_net).activations[-1].name == "tanh" else 0.5


def n_classes(doc_or_net) -> int:
    """The classes of the network's output: 2 for one output, else one per output."""
    n_out = _network(doc_or_net).sizes[-1]
    return 2 if n_out == 1 else n_out


def _classify(values: np.ndarray, cut: float) -> np.ndarray:
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if v.shape[1] == 1:
        return (v[:, 0] >= cut).astype(np.int64)
    return np.argmax(v, axis=1).astype(np.int64)


def predict(doc_or_net, out: np.ndarray) -> np.ndarray:
    """The predicted class (0-based) of each row of outputs ``out`` (several outputs: the
    largest)."""
    return _classify(out, threshold(doc_or_net))


def true_classes(doc_or_net, targets: np.ndarray) -> np.ndarray:
    """The true class (0-based) of each row of targets, by the same rule."""
    return _classify(targets, threshold(doc_or_net))


def correct(doc_or_net, out: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whether each row is classified right (a bool per row), by the module's rule."""
    if _per_output(doc_or_net):
        cut = threshold(doc_or_net)
        o, t = np.atleast_2d(out), np.atleast_2d(targets)
        return ((o >= cut) == (t >= cut)).all(axis=1)
    return predict(doc_or_net, out) == true_classes(doc_or_net, targets)


def accuracy(doc_or_net, out: np.ndarray, targets: np.ndarray) -> float | None:
    """The fraction (0 … 1) of rows classified right (:func:`correct`); None where accuracy
    does not apply (:func:`applies`) or there are no rows."""
    if np.size(targets) == 0 or len(np.atleast_2d(targets)) == 0:
        return None
    if not applies(doc_or_net, targets=None if hasattr(doc_or_net, "targets") else targets):
        return None
    return float(np.mean(correct(doc_or_net, out, targets)))


def exclusive(doc_or_net, targets: np.ndarray | None = None) -> bool:
    """Does every row belong to exactly one class, so that a confusion matrix means something?
    One output or a softmax layer: yes; several other outputs: when every target row is
    one-hot (a single 1, the rest 0)."""
    if not _per_output(doc_or_net):
        return True
    t = _targets(doc_or_net, targets)
    if t is None or t.size == 0:
        return False
    return bool(np.isin(t, (0.0, 1.0)).all() and (t.sum(axis=1) == 1).all())


def confusion(doc_or_net, out: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The (k, k) counts: row = the true class, column = the predicted one (meaningful where
    :func:`exclusive`)."""
    k = n_classes(doc_or_net)
    m = np.zeros((k, k), dtype=np.int64)
    if np.size(targets) == 0:
        return m
    np.add.at(m, (true_classes(doc_or_net, targets), predict(doc_or_net, out)), 1)
    return m


def class_names(doc_or_net) -> list[str]:
    """The data's class names, else "class 1", "class 2", …"""
    names = _classes(doc_or_net)
    if names is not None:
        return list(names)
    return [f"class {i + 1}" for i in range(n_classes(doc_or_net))]
