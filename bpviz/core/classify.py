"""Classification: which class a network's output names, accuracy and the confusion matrix.

Accuracy applies when the data names its classes (``data.classes``) or the loss is a
cross-entropy (``cross_entropy``, ``binary_cross_entropy``) (FORMAT.md). The rule:

* several outputs: the predicted class is the output with the largest value (argmax), the true
  class the target's largest entry (one-hot rows: the 1);
* one output: class 2 when the value is ≥ 0.5 (≥ 0 when the output activation is tanh, whose
  targets are −1 and 1), else class 1; the targets are classed by the same threshold.

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
]

CLASSIFYING_LOSSES = ("cross_entropy", "binary_cross_entropy")


def _network(doc_or_net):
    return getattr(doc_or_net, "network", doc_or_net)


def _classes(doc_or_net) -> list[str] | None:
    return getattr(doc_or_net, "classes", None)


def applies(doc_or_net, classes: list[str] | None = None) -> bool:
    """Does accuracy mean anything here: the data names classes, or the loss is a
    cross-entropy? (A Network alone: by its loss, or ``classes`` when given.)"""
    if (classes if classes is not None else _classes(doc_or_net)) is not None:
        return True
    return _network(doc_or_net).loss.name in CLASSIFYING_LOSSES


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
    """The predicted class (0-based) of each row of outputs ``out``."""
    return _classify(out, threshold(doc_or_net))


def true_classes(doc_or_net, targets: np.ndarray) -> np.ndarray:
    """The true class (0-based) of each row of targets, by the same rule."""
    return _classify(targets, threshold(doc_or_net))


def accuracy(doc_or_net, out: np.ndarray, targets: np.ndarray) -> float | None:
    """The fraction (0 … 1) of rows whose predicted class is the target's; None where accuracy
    does not apply (:func:`applies`) or there are no rows."""
    if not applies(doc_or_net) or len(np.atleast_2d(targets)) == 0 or np.size(targets) == 0:
        return None
    p = predict(doc_or_net, out)
    return float(np.mean(p == true_classes(doc_or_net, targets)))


def confusion(doc_or_net, out: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The (k, k) counts: row = the true class, column = the predicted one."""
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
