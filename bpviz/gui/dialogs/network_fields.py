"""The network dialog's fields without the widgets: reading what was typed into a
:class:`~bpviz.core.build.NetworkSpec`, the parse problems by field, the fields' names and
order in messages, and the summary line. No Qt here, so the rules can be tested on their own.

Numbers are read with :func:`bpviz.core.numbers.read_number`, the one rule for a typed number
(the canvas's weight editor and the data editor use it too); whole numbers (sizes, seeds) with
:func:`read_whole`. Fields are named as :func:`bpviz.core.build.spec_problems` names them
(``layers[1].size``, ``learning_rate``, ``init.seed``, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bpviz.core import momentum as core_momentum
from bpviz.core.build import LayerSpec, NetworkSpec
from bpviz.core.fileformat import Document
from bpviz.core.numbers import read_number

MODE_TEXT = {
    "online": "online (one sample per step)",
    "batch": "batch (all samples per step)",
    "minibatch": "minibatch (batches of n samples)",
}
SCHEME_TEXT = {"uniform": "uniform ±scale", "xavier": "Xavier: uniform ±√(6 / (n_in + n_out))"}
LAYER_PARTS = ("name", "size", "activation", "slope")
FIELD_ORDER = (
    "title",
    "layers",
    "loss",
    "learning_rate",
    "momentum",
    "mode",
    "batch_size",
    "shuffle_seed",
    "init.scheme",
    "init.scale",
    "init.seed",
)
FIELD_TEXT = {
    "layers": "Layers",
    "learning_rate": "Learning rate",
    "momentum": "Momentum α",
    "batch_size": "Batch size",
    "shuffle_seed": "Shuffle seed",
    "init.scale": "Scale",
    "init.seed": "Seed",
    "title": "Title",
    "loss": "Loss",
    "mode": "Mode",
}

MOMENTUM_TIP = (
    "Momentum α in v ← α·v + ∂E/∂w, w ← w − η·v (each weight keeps a velocity v): "
    "0 = plain gradient descent; 0.9 is common. A number from 0 up to (not including) 1"
)

_INT = re.compile(r"\+?\d+")
_LAYER_FIELD = re.compile(r"layers\[(\d+)\]\.(\w+)")


class FieldError(ValueError):
    """Text that is not a value of the field's kind; the message says why."""


def read_whole(text: str, what: str = "a whole number") -> int:
    """A whole number ≥ 0 (a size, a seed); ``what`` names it in the message."""
    t = text.strip()
    if not t:
        raise FieldError(f"enter {what}")
    if not _INT.fullmatch(t):
        raise FieldError(f'"{t}" is not {what}')
    if len(t.lstrip("+0")) > 40:
        raise FieldError("too many digits")
    return int(t)


def read_real(text: str) -> float:
    """A finite number, by core.numbers.read_number (its reason is the message); an empty
    field asks for one."""
    if not text.strip():
        raise FieldError("enter a number")
    try:
        return read_number(text)
    except ValueError as e:
        raise FieldError(str(e)) from None


def read_momentum_field(text: str) -> float:
    """The momentum α as typed: empty is 0 (plain gradient descent), else a number with
    0 ≤ α < 1 (``bpviz.core.momentum``'s rule; its reason is the message)."""
    if not text.strip():
        return 0.0
    a = read_real(text)
    problem = core_momentum.momentum_problem(a)
    if problem:
        raise FieldError(problem)
    return core_momentum.check_momentum(a)


def with_momentum(doc: Document, alpha: float | None, old: Document | None) -> Document:
    """The dialog's document with its momentum α (the spec has none). The velocity of the
    old document's weights stays with them while α > 0 and it still fits the network (the
    dialog keeps the weights that still fit); otherwise the new document starts from v = 0."""
    doc.momentum = float(alpha or 0.0)
    v = None if old is None else old.velocity
    fits = v is not None and core_momentum.shape_problem(v, doc.network) is None
    doc.velocity = core_momentum.copy(v) if doc.momentum and fits else None
    return doc


def num_text(v: float) -> str:
    """A number as a field shows it: every digit of the float (repr)."""
    return repr(float(v))


@dataclass
class TypedLayer:
    """One layer's fields as typed; ``activation`` is None for the input layer."""

    name: str
    size: str
    activation: str | None
    slope: str
    origin: int | None  # the layer of the old document it continues


@dataclass
class TypedFields:
    """Everything the dialog shows, as typed (texts) or chosen (combo data, check states)."""

    title: str
    layers: list[TypedLayer]
    biases: bool
    train_biases: bool
    loss: str
    learning_rate: str
    mode: str
    batch_size: int
    shuffle_seed: str
    init_scheme: str
    init_scale: str
    init_seed: str
    n_samples: int


def read_spec(f: TypedFields) -> tuple[NetworkSpec, dict[str, str]]:
    """The spec as typed (None where a field does not parse) and the parse problems by field.
    Fields that do not count (a slope but for linear, the shuffle seed but in minibatch mode,
    the scale but for the uniform scheme) are not read."""
    bad: dict[str, str] = {}

    def get(fieldname: str, fn, *args):
        try:
            return fn(*args)
        except FieldError as e:
            bad[fieldname] = str(e)
            return None

    layers = []
    for k, r in enumerate(f.layers):
        slope = 1.0
        if r.activation == "linear":
            slope = get(f"layers[{k}].slope", read_real, r.slope)
        size = get(f"layers[{k}].size", read_whole, r.size, "a whole number")
        layers.append(LayerSpec(r.name.strip(), size, r.activation, slope, r.origin))
    minibatch = f.mode == "minibatch"
    shuffle = None
    if minibatch and f.shuffle_seed.strip():
        shuffle = get("shuffle_seed", read_whole, f.shuffle_seed, "a whole number ≥ 0")
    scale = 0.5
    if f.init_scheme == "uniform":
        scale = get("init.scale", read_real, f.init_scale)
    spec = NetworkSpec(
        layers,
        biases=f.biases,
        train_biases=f.train_biases,
        loss=f.loss,
        learning_rate=get("learning_rate", read_real, f.learning_rate),
        mode=f.mode,
        batch_size=f.batch_size if minibatch else None,
        shuffle_seed=shuffle,
        init_scheme=f.init_scheme,
        init_scale=scale,
        init_seed=get("init.seed", read_whole, f.init_seed, "a whole number ≥ 0"),
        title=f.title,
        n_samples=f.n_samples,
    )
    return spec, bad


def layer_field(f: str) -> tuple[int, str] | None:
    """(layer index, part) of a layer's field name ("layers[1].size" → (1, "size"))."""
    m = _LAYER_FIELD.fullmatch(f)
    return (int(m.group(1)), m.group(2)) if m else None


def field_text(f: str, layer_header: str | None = None) -> str:
    """A field's name in the message line ("Hidden layer, size", "Learning rate");
    ``layer_header``: the row's header ("hidden") for a layer's field."""
    lf = layer_field(f)
    if lf:
        where = layer_header if layer_header is not None else f"layer {lf[0]}"
        return f"{where.capitalize()} layer, {lf[1]}"
    return FIELD_TEXT.get(f, f)


def field_order(f: str) -> tuple:
    """Fields in the order the dialog shows them, so the message names the first."""
    lf = layer_field(f)
    if lf:
        part = LAYER_PARTS.index(lf[1]) if lf[1] in LAYER_PARTS else 4
        return (1, lf[0], part)
    return (0 if f == "title" else 2, FIELD_ORDER.index(f) if f in FIELD_ORDER else len(FIELD_ORDER), 0)


def summary(spec: NetworkSpec) -> str:
    """The message line of a valid spec: "2-3-1: 9 weights, 4 biases."."""
    sizes = spec.sizes
    n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    n_b = sum(sizes[1:]) if spec.biases else 0
    text = f"{'-'.join(map(str, sizes))}: {n_w:,} {'weight' if n_w == 1 else 'weights'}"
    if spec.biases:
        text += f", {n_b:,} {'bias' if n_b == 1 else 'biases'}"
    return text + "."
