"""Derived input features (TensorFlow Playground's x₁², x₂², x₁x₂, sin x₁, sin x₂).

A network may compute extra input neurons from the raw inputs of each sample. The file names
them in ``features`` (FORMAT.md); they are appended after the raw inputs, so the input layer has
``n_raw + len(features)`` neurons while the data rows keep only the ``n_raw`` raw inputs. Names
count inputs from 1, as everything a person types or reads does:

* ``x{i}^2``: the square of input i (``x1^2``),
* ``x{i}*x{j}``: the product of inputs i < j (``x1*x2``),
* ``sin(x{i})``: the sine of input i (``sin(x1)``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["problem", "parse", "expand", "choices", "label", "formula"]

_SQUARE = re.compile(r"x([1-9][0-9]*)\^2")
_PRODUCT = re.compile(r"x([1-9][0-9]*)\*x([1-9][0-9]*)")
_SINE = re.compile(r"sin\(x([1-9][0-9]*)\)")


def parse(name: str) -> tuple[str, tuple[int, ...]] | None:
    """``("square", (i,))``, ``("product", (i, j))`` or ``("sin", (i,))`` with 0-based input
    indices; None for a name that is none of these."""
    if not isinstance(name, str):
        return None
    if m := _SQUARE.fullmatch(name):
        return "square", (int(m[1]) - 1,)
    if m := _PRODUCT.fullmatch(name):
        return "product", (int(m[1]) - 1, int(m[2]) - 1)
    if m := _SINE.fullmatch(name):
        return "sin", (int(m[1]) - 1,)
    return None


def problem(name: str, n_raw: int) -> str | None:
    """Why ``name`` is not a feature of ``n_raw`` raw inputs (None: it is one)."""
    p = parse(name)
    if p is None:
        return f'expected a feature such as "x1^2", "x1*x2" or "sin(x1)", got {name!r}'
    kind, idx = p
    if max(idx) >= n_raw:
        return f"{name} uses input {max(idx) + 1}, but the data has {n_raw} input{'s' if n_raw != 1 else ''}"
    if kind == "product" and idx[0] >= idx[1]:
        return f"write a product with the smaller input first (x{idx[1] + 1}*x{idx[0] + 1})"
    return None


def expand(features: Sequence[str], x: np.ndarray) -> np.ndarray:
    """The full input rows: the raw columns of ``x`` followed by one column per feature."""
    x = np.asarray(x, dtype=np.float64)
    if not features:
        return x
    x2 = np.atleast_2d(x)
    cols = [x2]
    for name in features:
        kind, idx = parse(name)
        if kind == "square":
            c = x2[:, idx[0]] * x2[:, idx[0]]
        elif kind == "product":
            c = x2[:, idx[0]] * x2[:, idx[1]]
        else:
            c = np.sin(x2[:, idx[0]])
        cols.append(c[:, None])
    return np.ascontiguousarray(np.hstack(cols))


def choices(n_raw: int) -> list[str]:
    """The features a dialog offers for ``n_raw`` raw inputs, in Playground's order: the
    squares, the products, the sines."""
    sq = [f"x{i + 1}^2" for i in range(n_raw)]
    pr = [f"x{i + 1}*x{j + 1}" for i in range(n_raw) for j in range(i + 1, n_raw)]
    return sq + pr + [f"sin(x{i + 1})" for i in range(n_raw)]


def label(name: str, raw_labels: Sequence[str]) -> str:
    """The input neuron's label: "x1²", "x1·x2", "sin x1", with the raw inputs' labels."""
    kind, idx = parse(name)
    a = raw_labels[idx[0]]
    if kind == "square":
        return f"{a}²"
    if kind == "product":
        return f"{a}·{raw_labels[idx[1]]}"
    return f"sin {a}"


def formula(name: str, raw_labels: Sequence[str]) -> str:
    """In words for a tooltip: "the square of x1"."""
    kind, idx = parse(name)
    a = raw_labels[idx[0]]
    if kind == "square":
        return f"the square of {a} ({a}·{a})"
    if kind == "product":
        return f"the product {a}·{raw_labels[idx[1]]}"
    return f"the sine of {a} (radians)"
