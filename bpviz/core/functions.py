"""Activations and losses: a value and a derivative each, one small object per function.

Every function works in place on preallocated arrays (``out=``) so the trainer's hot loop
allocates nothing; the same code serves the one-off forward pass that ``trace`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Activation",
    "Loss",
    "make_activation",
    "make_loss",
    "ACTIVATION_NAMES",
    "LOSS_NAMES",
]


@dataclass(frozen=True)
class Activation:
    """f applied elementwise; ``derivative`` is f′(net), computed from net and out = f(net)."""

    name: str
    slope: float = 1.0  # only for "linear"

    # -- value -----------------------------------------------------------------------
    def __call__(self, net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty_like(net, dtype=np.float64)
        # e^(−x) overflows to inf for x < −709 and 1/(1 + inf) is exactly 0, the right limit:
        # the overflow is silenced, never shown.
        with np.errstate(over="ignore"):
            self.forward_fn(net, out)
        return out

    def derivative(
        self, net: np.ndarray, out: np.ndarray, res: np.ndarray | None = None
    ) -> np.ndarray:
        """f′(net), written into ``res``."""
        if res is None:
            res = np.empty_like(net, dtype=np.float64)
        self.derivative_fn(net, out, res)
        return res

    @property
    def forward_fn(self):
        """``f(net, out)`` writing f(net) into out; the caller handles numpy's error state."""
        if self.name == "linear":
            slope = self.slope
            return lambda net, out: np.multiply(net, slope, out=out)
        return _FORWARD[self.name]

    @property
    def derivative_fn(self):
        """``f(net, out, res)`` writing f′(net) into res."""
        if self.name == "linear":
            slope = self.slope
            return lambda net, out, res: res.fill(slope)
        return _DERIVATIVE[self.name]

    # -- display ---------------------------------------------------------------------
    def formula(self, x: str = "x") -> str:
        """f(x) written out, for explanations."""
        return {
            "sigmoid": f"1 / (1 + e^(−{x}))",
            "tanh": f"tanh({x})",
            "relu": f"max(0, {x})",
            "identity": x,
            "linear": f"{_num(self.slope)}·{x}",
        }[self.name]

    def derivative_formula(self, out: str = "out", net: str = "net") -> str:
        return {
            "sigmoid": f"{out}·(1 − {out})",
            "tanh": f"1 − {out}²",
            "relu": f"1 if {net} > 0 else 0",
            "identity": "1",
            "linear": _num(self.slope),
        }[self.name]

    def to_json(self) -> str | dict:
        if self.name == "linear":
            return {"name": "linear", "slope": self.slope}
        return self.name


def _sigmoid(net, out):  # 1 / (1 + e^(−net))
    np.negative(net, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)


def _sigmoid_d(net, out, res):  # σ′ = out·(1 − out)
    np.subtract(1.0, out, out=res)
    res *= out


def _tanh_d(net, out, res):  # tanh′ = 1 − out²
    np.multiply(out, out, out=res)
    np.subtract(1.0, res, out=res)


_FORWARD = {
    "sigmoid": _sigmoid,
    "tanh": lambda net, out: np.tanh(net, out=out),
    "relu": lambda net, out: np.maximum(net, 0.0, out=out),
    "identity": lambda net, out: np.copyto(out, net),
}
_DERIVATIVE = {
    "sigmoid": _sigmoid_d,
    "tanh": _tanh_d,
    "relu": lambda net, out, res: np.greater(net, 0.0, out=res),  # 0 at the kink
    "identity": lambda net, out, res: res.fill(1.0),
}

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "identity", "linear")


def make_activation(name: str, slope: float = 1.0) -> Activation:
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {name!r}")
    return Activation(name, float(slope) if name == "linear" else 1.0)


@dataclass(frozen=True)
class Loss:
    """E over the outputs of every sample of a step, as FORMAT.md defines it.

    ``half_sse``: E = Σ ½(t − o)²;  ``sse``: E = Σ (t − o)²;  ``mse``: E = mean of (t − o)²
    over every output of every sample of the step.
    """

    name: str

    def value(self, out: np.ndarray, target: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            d = (out - target).ravel()
            s = float(np.dot(d, d))
        return self.finish(s, d.size)

    def finish(self, sum_sq: float, count: int) -> float:
        """E from Σ(t − o)² over ``count`` output values."""
        if self.name == "half_sse":
            return 0.5 * sum_sq
        if self.name == "sse":
            return sum_sq
        return sum_sq / count

    def terms(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Each output's share of E (their sum is E); inf, not a warning, on overflow."""
        with np.errstate(all="ignore"):
            return self._terms(out, target)

    def _terms(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        d = target - out
        if self.name == "half_sse":
            return 0.5 * d * d
        if self.name == "sse":
            return d * d
        return d * d / d.size

    def grad_scale(self, count: int) -> float:
        """∂E/∂o = scale · (o − t)."""
        if self.name == "half_sse":
            return 1.0
        if self.name == "sse":
            return 2.0
        return 2.0 / count

    def gradient(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        return self.grad_scale(out.size) * (out - target)

    def formula(self) -> str:
        return {
            "half_sse": "E = Σ ½(target − out)²",
            "sse": "E = Σ (target − out)²",
            "mse": "E = mean (target − out)²",
        }[self.name]

    def term_formula(self, t: str, o: str, count: int) -> str:
        if self.name == "half_sse":
            return f"½({t} − {o})²"
        if self.name == "sse":
            return f"({t} − {o})²"
        return f"({t} − {o})² / {count}"

    def gradient_formula(self, t: str, o: str, count: int) -> str:
        if self.name == "half_sse":
            return f"{o} − {t}"
        if self.name == "sse":
            return f"2({o} − {t})"
        return f"2({o} − {t}) / {count}"


LOSS_NAMES = ("half_sse", "sse", "mse")


def make_loss(name: str) -> Loss:
    if name not in LOSS_NAMES:
        raise ValueError(f"unknown loss {name!r}")
    return Loss(name)


def _num(x: float) -> str:
    return f"{x:g}"
