"""Gradient descent with momentum: the velocity, and the one rule for an update with it.

The definition is PyTorch's SGD with momentum (no dampening, no Nesterov), the "classic
backprop with momentum" of the textbooks::

    v ← α·v + ∂E/∂w        w ← w − η·v        (v starts at 0, so the first update is plain)

α (``momentum``, 0 ≤ α < 1) is a document setting like η; α = 0 is plain gradient descent and
keeps no velocity (the trainer and the stepper take today's code path, and a velocity they
held is dropped: setting α again starts v from 0). Biases get a velocity of their own when
they are trained; fixed biases keep their slot (zeros) and never change.

Why a module of its own: the trainer's hot loop (in place), its careful replay and the
stepper's trace (new arrays) must give the same numbers bit for bit, so they share the order
of the operations written here: ``α·v`` then ``+ ∂E/∂w``, then ``η·v``, then ``w −``. Each is
one IEEE operation per element, the same in place or not. numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "Velocity",
    "zeros",
    "copy",
    "check_momentum",
    "momentum_problem",
    "updated",
    "shape_problem",
    "step_in_place",
]


class Velocity(NamedTuple):
    """v of every weight matrix and (None: the network has no biases) every bias vector,
    shaped like the parameters."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None


def zeros(network) -> Velocity:
    """v = 0 for every parameter of ``network`` (a run's start)."""
    return Velocity(
        tuple(np.zeros_like(w, dtype=np.float64) for w in network.weights),
        None if network.biases is None else tuple(np.zeros_like(b, dtype=np.float64) for b in network.biases),
    )


def copy(v: Velocity | None) -> Velocity | None:
    """Fresh float64 arrays (None stays None)."""
    if v is None:
        return None
    return Velocity(
        tuple(np.array(a, dtype=np.float64, copy=True) for a in v.weights),
        None if v.biases is None else tuple(np.array(a, dtype=np.float64, copy=True) for a in v.biases),
    )


def momentum_problem(value) -> str | None:
    """Why ``value`` is not a momentum α (None: it is): a finite number, 0 ≤ α < 1."""
    if isinstance(value, bool):
        return f"expected a number from 0 up to (not including) 1, got {value!r}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return f"expected a number from 0 up to (not including) 1, got {value!r}"
    if not math.isfinite(v):
        return f"expected a finite number from 0 up to (not including) 1, got {value!r}"
    if not 0 <= v < 1:
        return (
            f"the momentum α must be at least 0 and less than 1 (0 is plain gradient descent, "
            f"0.9 is common), got {v:g}"
        )
    return None


def check_momentum(value) -> float:
    """α as a float, else ValueError with the reason (``momentum_problem``)."""
    problem = momentum_problem(value)
    if problem:
        raise ValueError(problem)
    return float(value) + 0.0  # -0.0 → 0.0


def shape_problem(v: Velocity, network) -> str | None:
    """Why ``v`` does not fit ``network`` (None: it does), naming the part that differs."""
    if len(v.weights) != network.L:
        return f"expected {network.L} weight matrices, got {len(v.weights)}"
    for j, (a, w) in enumerate(zip(v.weights, network.weights, strict=True)):
        if np.shape(a) != w.shape:
            return f"weights[{j}]: expected shape {w.shape[0]} × {w.shape[1]}, got {_shape(a)}"
    if (v.biases is None) != (network.biases is None):
        return "expected biases" if network.biases is not None else "the network has no biases"
    if v.biases is not None:
        if len(v.biases) != network.L:
            return f"biases: expected {network.L} vectors, got {len(v.biases)}"
        for j, (a, b) in enumerate(zip(v.biases, network.biases, strict=True)):
            if np.shape(a) != b.shape:
                return f"biases[{j}]: expected {b.shape[0]} values, got {_shape(a)}"
    return None


def _shape(a) -> str:
    s = np.shape(a)
    return " × ".join(str(n) for n in s) if len(s) > 1 else f"{s[0] if s else 1} values"


def updated(
    network,
    grad_w: Sequence[np.ndarray],
    grad_b: Sequence[np.ndarray] | None,
    lr: float,
    alpha: float,
    velocity: Velocity | None,
) -> tuple[list[np.ndarray], list[np.ndarray] | None, Velocity]:
    """One update with momentum as new arrays (``network`` and ``velocity`` unchanged):
    (weights after, biases after, velocity after). ``velocity`` None: zeros (v starts at 0).
    Fixed biases (``train_biases`` false) keep their values and their velocity."""
    v = zeros(network) if velocity is None else velocity
    vw = [alpha * a + g for a, g in zip(v.weights, grad_w, strict=True)]
    w_new = [w - lr * a for w, a in zip(network.weights, vw, strict=True)]
    if network.biases is None:
        return w_new, None, Velocity(tuple(vw), None)
    if network.train_biases:
        vb = [alpha * a + g for a, g in zip(v.biases, grad_b, strict=True)]
        b_new = [b - lr * a for b, a in zip(network.biases, vb, strict=True)]
    else:
        vb = [np.array(a, dtype=np.float64, copy=True) for a in v.biases]
        b_new = [b.copy() for b in network.biases]
    return w_new, b_new, Velocity(tuple(vw), tuple(vb))


def step_in_place(
    weights: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    velocity: Sequence[np.ndarray],
    lr: float,
    alpha: float,
) -> None:
    """The trainer's hot loop: v ← α·v + g, w ← w − η·v in place (``grads`` is overwritten
    with η·v). The same operations in the same order as ``updated``."""
    for w, g, v in zip(weights, grads, velocity, strict=True):
        v *= alpha
        v += g
        np.multiply(v, lr, out=g)
        w -= g
