"""The network: layers, weights, biases, and one forward + backward pass that keeps everything.

Conventions (seed 003's): layer 0 is the input; ``weights[j]`` is the matrix into layer j + 1,
shape (size of layer j + 1, size of layer j), so ``net = W · out_prev + b``. Samples are rows:
``out[k]`` has shape (m, size of layer k) for the m samples of a step, so in code the product
is ``out_prev @ W.T``. δ always means ∂E/∂net.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpviz.core import features as _features
from bpviz.core.functions import Activation, Loss, make_loss

__all__ = ["Labels", "Network", "Pass"]


@dataclass
class Labels:
    """Display names: ``neurons[k][i]``, ``weights[j][row][col]``, ``biases[j][i]``."""

    neurons: list[list[str]]
    weights: list[list[list[str]]]
    biases: list[list[str]]

    @staticmethod
    def neuron_names(layer: str, n: int) -> list[str]:
        """The default labels of a layer's neurons: h → h1, h2, …"""
        return [f"{layer}{i + 1}" for i in range(n)]

    @classmethod
    def from_neurons(cls, neurons: list[list[str]], sizes: list[int]) -> Labels:
        """Weight and bias labels that follow the neuron labels: w(h1,i2), b(h1). The one rule
        for naming labels (the file loader and the network dialog use it too)."""
        L = len(sizes) - 1
        weights = [
            [
                [f"w({neurons[j + 1][r]},{neurons[j][c]})" for c in range(sizes[j])]
                for r in range(sizes[j + 1])
            ]
            for j in range(L)
        ]
        biases = [[f"b({neurons[j + 1][i]})" for i in range(sizes[j + 1])] for j in range(L)]
        return cls(neurons, weights, biases)

    @classmethod
    def default(cls, names: list[str], sizes: list[int]) -> Labels:
        return cls.from_neurons([cls.neuron_names(names[k], n) for k, n in enumerate(sizes)], sizes)

    def copy(self) -> Labels:
        return Labels(
            [list(r) for r in self.neurons],
            [[list(r) for r in m] for m in self.weights],
            [list(r) for r in self.biases],
        )


@dataclass
class Network:
    """A fully connected feed-forward network (float64 throughout)."""

    names: list[str]
    sizes: list[int]
    activations: list[Activation]  # one per weight layer (layers 1…L)
    weights: list[np.ndarray]
    biases: list[np.ndarray] | None = None
    train_biases: bool = True
    loss: Loss = field(default_factory=lambda: make_loss("half_sse"))
    labels: Labels | None = None
    features: tuple[str, ...] = ()  # derived inputs after the raw ones (features.py)
    input_shape: tuple[int, int] | None = None  # layers[0].shape: the raw inputs as rows × cols

    def __post_init__(self) -> None:
        self.weights = [np.array(w, dtype=np.float64, order="C") for w in self.weights]
        if self.biases is not None:
            self.biases = [np.array(b, dtype=np.float64) for b in self.biases]
        self.features = tuple(self.features)
        if len(self.features) >= self.sizes[0]:
            raise ValueError(f"{len(self.features)} features leave no raw input of {self.sizes[0]}")
        for f in self.features:
            problem = _features.problem(f, self.n_raw)
            if problem:
                raise ValueError(problem)
        if self.labels is None:
            self.labels = Labels.default(self.names, self.sizes)
            if self.features:
                first = self.labels.neurons[0]
                raw = first[: self.n_raw]
                first[self.n_raw :] = [_features.label(f, raw) for f in self.features]
                self.labels = Labels.from_neurons(self.labels.neurons, self.sizes)
        for j, w in enumerate(self.weights):
            if w.shape != (self.sizes[j + 1], self.sizes[j]):
                raise ValueError(f"weights[{j}] has shape {w.shape}")

    # -- structure -------------------------------------------------------------------
    @property
    def L(self) -> int:
        """The number of weight layers."""
        return len(self.weights)

    @property
    def has_biases(self) -> bool:
        return self.biases is not None

    @property
    def n_raw(self) -> int:
        """The inputs a data row holds: the input layer without the derived features."""
        return self.sizes[0] - len(self.features)

    def expand(self, x: np.ndarray) -> np.ndarray:
        """The input layer's values for raw rows ``x`` (``x`` itself without features)."""
        if not self.features:
            return x
        x = np.atleast_2d(x)
        if x.shape[-1] == self.sizes[0]:
            return x
        return _features.expand(self.features, x)

    def copy(self) -> Network:
        return Network(
            list(self.names),
            list(self.sizes),
            list(self.activations),
            [w.copy() for w in self.weights],
            None if self.biases is None else [b.copy() for b in self.biases],
            self.train_biases,
            self.loss,
            self.labels.copy(),
            self.features,
            self.input_shape,
        )

    def parameters_finite(self) -> bool:
        ok = all(np.isfinite(w).all() for w in self.weights)
        if self.biases is not None:
            ok = ok and all(np.isfinite(b).all() for b in self.biases)
        return bool(ok)

    def set_parameters(self, weights, biases) -> None:
        """Copy values into the existing arrays (views stay valid)."""
        for w, v in zip(self.weights, weights, strict=True):
            np.copyto(w, v)
        if self.biases is not None and biases is not None:
            for b, v in zip(self.biases, biases, strict=True):
                np.copyto(b, v)

    # -- passes ----------------------------------------------------------------------
    def workspace(self, m: int) -> Pass:
        return Pass(self, m)

    def forward(self, x: np.ndarray) -> Pass:
        """Forward pass over the rows of ``x``; the returned pass keeps net and out of every layer."""
        x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
        p = Pass(self, x.shape[0])
        with np.errstate(all="ignore"):
            p.forward(x)
        return p

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """The output layer's out for each row of ``x`` (overflow silenced: inf or nan)."""
        return self.forward(x).out[-1]

    def run(self, x: np.ndarray, t: np.ndarray) -> Pass:
        """Forward and backward over the rows of ``x`` with targets ``t`` (one step's samples)."""
        x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
        t = np.ascontiguousarray(np.atleast_2d(t), dtype=np.float64)
        p = Pass(self, x.shape[0])
        with np.errstate(all="ignore"):
            p.run(x, t)
        return p

    def error(self, x: np.ndarray, t: np.ndarray) -> float:
        """E of the rows of ``x`` (all of them count as the samples of one step)."""
        x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
        t = np.ascontiguousarray(np.atleast_2d(t), dtype=np.float64)
        with np.errstate(all="ignore"):
            return Pass(self, x.shape[0]).evaluate(x, t)

    def updated(self, grad_w, grad_b, lr: float):
        """The parameters after one gradient-descent update, as new arrays (self unchanged)."""
        w_new = [w - lr * g for w, g in zip(self.weights, grad_w, strict=True)]
        if self.biases is None:
            return w_new, None
        if self.train_biases:
            b_new = [b - lr * g for b, g in zip(self.biases, grad_b, strict=True)]
        else:
            b_new = [b.copy() for b in self.biases]
        return w_new, b_new

    def apply(self, grad_w, grad_b, lr: float) -> None:
        """w ← w − η·∂E/∂w in place (and b, when biases are trained)."""
        w_new, b_new = self.updated(grad_w, grad_b, lr)
        self.set_parameters(w_new, b_new)


class Pass:
    """One forward + backward pass over m samples, in preallocated arrays.

    Like Nielsen's ``backprop`` it keeps every intermediate: ``net[k]``, ``out[k]``,
    ``grad_out[k]`` (∂E/∂out), ``delta[k]`` (∂E/∂net) and ``fprime[k]`` (f′(net)) per layer k
    (index 0, the input, has only ``out``), and ``grad_w[j]``, ``grad_b[j]`` per weight layer.
    The trainer reuses one Pass per batch size so its hot loop allocates nothing.
    """

    def __init__(self, net: Network, m: int) -> None:
        self.network = net
        self.m = m
        sizes = net.sizes
        L = net.L
        z = [np.zeros((m, n)) for n in sizes]
        self.out: list[np.ndarray] = z
        self.net: list[np.ndarray | None] = [None] + [np.zeros((m, n)) for n in sizes[1:]]
        self.fprime: list[np.ndarray | None] = [None] + [np.zeros((m, n)) for n in sizes[1:]]
        self.grad_out: list[np.ndarray | None] = [None] + [np.zeros((m, n)) for n in sizes[1:]]
        self.delta: list[np.ndarray | None] = [None] + [np.zeros((m, n)) for n in sizes[1:]]
        self.grad_w = [np.zeros_like(w) for w in net.weights]
        self.grad_b = None if net.biases is None else [np.zeros(n) for n in sizes[1:]]
        self.diff = np.zeros((m, sizes[-1]))
        self.error = float("nan")
        loss = net.loss
        self._loss = loss
        self._squared = loss.squared
        self._fused = loss.fused(net.activations[-1])
        self._scale = loss.grad_scale(m * sizes[-1]) if loss.squared else 0.0
        self._wt = [w.T for w in net.weights]  # views: stay valid while weights change in place
        self._L = L
        self._f = [None] + [a.forward_fn for a in net.activations]
        self._back = [None] + [a.backward for a in net.activations]
        self._diff_flat = self.diff.reshape(-1)  # a view
        self._finish = loss.finish
        self._expand = net.expand if net.features else None
        if self._scale == 1.0:
            self.grad_out[L] = self.diff

    def forward(self, x: np.ndarray) -> None:
        """Forward pass (the caller handles numpy's error state: see ``Network.forward``).
        ``x`` holds raw rows or, with derived features, the full input rows."""
        if self._expand is not None:
            x = self._expand(x)
        self.out[0] = x
        out, net, wt, f, biases = self.out, self.net, self._wt, self._f, self.network.biases
        for k in range(1, self._L + 1):
            np.matmul(out[k - 1], wt[k - 1], out=net[k])
            if biases is not None:
                net[k] += biases[k - 1]
            f[k](net[k], out[k])

    def evaluate(self, x: np.ndarray, t: np.ndarray) -> float:
        self.forward(x)
        if not self._squared:
            return self._loss.value(self.out[-1], t)
        np.subtract(self.out[-1], t, out=self.diff)
        d = self._diff_flat
        return self._finish(float(np.dot(d, d)), d.size)

    def run(self, x: np.ndarray, t: np.ndarray, bias_grads: bool = True) -> float:
        """Forward and backward; returns E of these samples (before any update)."""
        L = self._L
        self.forward(x)
        out, net = self.out, self.net
        fp, go, dl, back = self.fprime, self.grad_out, self.delta, self._back
        np.subtract(out[L], t, out=self.diff)
        if self._squared:
            d = self._diff_flat
            e = self._finish(float(np.dot(d, d)), d.size)
            if self._scale != 1.0:  # else grad_out[L] is diff itself
                np.multiply(self.diff, self._scale, out=go[L])
        else:
            e = self._loss.value(out[L], t)
            np.copyto(go[L], self._loss.gradient(out[L], t))
        self.error = e
        weights, gw, gb = self.network.weights, self.grad_w, self.grad_b
        for k in range(L, 0, -1):
            if k < L:
                np.matmul(dl[k + 1], weights[k], out=go[k])
            if k == L and self._fused:  # softmax + cross-entropy, sigmoid + binary CE
                self.network.activations[-1].derivative_fn(net[k], out[k], fp[k])
                np.copyto(dl[k], self.diff)  # δ = out − target
            else:
                back[k](net[k], out[k], go[k], dl[k], fp[k])  # δ = ∂E/∂out ⊙ f′(net)
            np.matmul(dl[k].T, out[k - 1], out=gw[k - 1])
            if gb is not None and bias_grads:
                np.sum(dl[k], axis=0, out=gb[k - 1])
        return e
