"""Gradient health: how big the error signal and the gradient are in each layer of one step.

"Why does the deep sigmoid network learn so slowly?" Going back through a layer, δ is
multiplied by the weights and by f′(net) (δ_k = (W_{k+1}ᵀ·δ_{k+1}) ⊙ f′(net_k)); sigmoid's f′ is
at most 0.25, so in a deep sigmoid network δ shrinks by about that factor a layer and the first
layers' weights barely move (vanishing gradients). Two numbers a layer show it:

* ``delta[j]``: the mean |δ| (δ = ∂E/∂net) of layer j + 1's neurons over the step's rows;
* ``grad[j]``: ‖∂E/∂W_j‖, the Frobenius norm of the gradient of the weights into layer j + 1
  (what the update multiplies by η).

Index j is the weight layer (``Network.weights[j]``, into layer j + 1), so both arrays have L
entries, the first layer after the input first; people read them as "layer 1 … L".

Nothing here computes backprop: the numbers are read off a :class:`~bpviz.core.network.Pass`
(``of_pass``), the trainer's own forward and backward, or the stepper's trace (``Trace.p``, the
pass its phase list reveals). ``measure`` runs one at given weights for given rows; the training
process calls it on the rows of the next step (``Meter``, one Pass per batch size, no
allocation per call) and sends the points with its snapshots (``Snapshot.gradients``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpviz.core.network import Network, Pass

__all__ = ["Health", "of_pass", "measure", "Meter", "SERIES"]

# the two series, by the attribute of Health that holds them, with what a reader calls them
SERIES = {"delta": "mean |δ|", "grad": "‖∂E/∂W‖"}


class Health(NamedTuple):
    """One step's gradient health: L numbers each, index j for weight layer j (into layer
    j + 1)."""

    delta: np.ndarray  # mean |δ| of layer j + 1's neurons over the step's rows
    grad: np.ndarray  # ‖∂E/∂W_j‖ (Frobenius)

    @property
    def L(self) -> int:
        return len(self.delta)


def of_pass(p: Pass) -> Health:
    """The health of a pass that ran forward and backward (``Pass.run``): its δ and ∂E/∂W."""
    L = p.network.L
    with np.errstate(all="ignore"):
        delta = np.array([float(np.mean(np.abs(p.delta[k]))) for k in range(1, L + 1)])
        grad = np.array([float(np.linalg.norm(g)) for g in p.grad_w])
    return Health(delta, grad)


def measure(network: Network, inputs: np.ndarray, targets: np.ndarray) -> Health:
    """The health of one step on these rows (raw inputs, or the input layer's rows with
    derived features) at the network's current weights; the network is not changed."""
    x = np.ascontiguousarray(np.atleast_2d(inputs), dtype=np.float64)
    t = np.ascontiguousarray(np.atleast_2d(targets), dtype=np.float64)
    p = Pass(network, x.shape[0])
    with np.errstate(all="ignore"):
        p.run(x, t, bias_grads=False)
    return of_pass(p)


class Meter:
    """``measure`` for a network whose weights change in place (a trainer's): one Pass per
    number of rows, kept (a Pass reads the weights through views, so it stays valid)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._passes: dict[int, Pass] = {}

    def __call__(self, inputs: np.ndarray, targets: np.ndarray) -> Health:
        m = len(inputs)
        p = self._passes.get(m)
        if p is None:
            if len(self._passes) > 4:  # (a schedule uses one or two batch sizes)
                self._passes.clear()
            p = self._passes[m] = Pass(self.network, m)
        with np.errstate(all="ignore"):
            p.run(inputs, targets, bias_grads=False)
        return of_pass(p)
