"""Build a network document from a plain description (the network dialog's model).

A :class:`NetworkSpec` says what the network dialog edits: layers, biases, loss, training
settings and how new weights are drawn. :func:`build_document` turns it into a
:class:`~bpviz.core.fileformat.Document`. Without an old document the weights are drawn exactly
as FORMAT.md's ``init`` draws them, so the result equals loading a file with that ``init``.
With one, every weight and bias whose position still exists keeps its value, the rest come
from the same seeded draw, and the data keeps its samples (and its test rows, class names and
generator while they still fit).

The loss may be a cross-entropy and the output activation softmax (rules:
``functions.compatibility_problem``); ``features`` lists derived input features
(``bpviz.core.features``). As in the file, ``layers[0].size`` counts the raw inputs and the
derived features; the data rows hold the raw inputs only (:func:`with_features` changes the
features and the input layer's size together).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from bpviz.core import datasets, limits
from bpviz.core import features as _features
from bpviz.core.fileformat import MODES, Document
from bpviz.core.functions import (
    ACTIVATION_NAMES,
    LOSS_NAMES,
    compatibility_problem,
    make_activation,
    make_loss,
    target_problem,
)
from bpviz.core.network import Labels, Network
from bpviz.core.training_settings import check_learning_rate, check_mode

__all__ = [
    "LayerSpec",
    "NetworkSpec",
    "SpecError",
    "INIT_SCHEMES",
    "default_spec",
    "spec_problems",
    "validate_spec",
    "spec_from_document",
    "draw_parameters",
    "build_document",
    "with_features",
]

INIT_SCHEMES = ("uniform", "xavier")


class SpecError(ValueError):
    """A field of a NetworkSpec that cannot be built; ``field`` is its JSON-style path
    (``layers[1].size``, ``learning_rate``, ``init.seed``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}" if field else message)


class LayerSpec(NamedTuple):
    """One layer. ``activation`` is None for the input layer; ``slope`` counts only for
    "linear". ``origin`` is the index of the layer of the old document this one continues
    (None: a new layer), so values survive layers being added or removed around it."""

    name: str
    size: int
    activation: str | None = None
    slope: float = 1.0
    origin: int | None = None


@dataclass
class NetworkSpec:
    """What the network dialog edits; ``n_samples`` is the number of samples of the data
    (not edited here: it bounds the batch size, and sizes a new network's placeholder data)."""

    layers: list[LayerSpec]
    biases: bool = True
    train_biases: bool = True
    loss: str = "half_sse"
    learning_rate: float = 0.5
    mode: str = "online"
    batch_size: int | None = None
    shuffle_seed: int | None = None
    init_scheme: str = "uniform"
    init_scale: float = 0.5
    init_seed: int = 0
    title: str = ""
    n_samples: int = 1
    features: list[str] = field(default_factory=list)  # derived inputs, counted in layers[0].size

    @property
    def sizes(self) -> list[int]:
        return [layer.size for layer in self.layers]

    @property
    def n_raw(self) -> int:
        """The raw inputs a data row holds: the input layer without the derived features."""
        return self.layers[0].size - len(self.features)

    @property
    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]


def with_features(spec: NetworkSpec, features) -> NetworkSpec:
    """A copy of ``spec`` with these derived features and the input layer resized so that the
    raw inputs stay as they were."""
    new = copy.deepcopy(spec)
    new.features = list(features)
    new.layers = list(new.layers)
    new.layers[0] = new.layers[0]._replace(size=spec.n_raw + len(new.features))
    return new


def default_spec() -> NetworkSpec:
    """File → New network starts here: 2-2-1, sigmoid, biases, uniform ±0.5 from seed 0."""
    return NetworkSpec(
        [LayerSpec("i", 2), LayerSpec("h", 2, "sigmoid"), LayerSpec("o", 1, "sigmoid")],
        title="New network",
    )


# ----------------------------------------------------------------------------- validation
def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def spec_problems(spec: NetworkSpec, n_samples: int | None = None) -> list[SpecError]:
    """Every problem of the spec, one SpecError per field (in the order of the fields).

    A field that is None where a value is needed is reported as missing; checks that need
    several fields (names used twice, the number of weights) skip the missing ones.
    ``n_samples`` (default ``spec.n_samples``) bounds the batch size."""
    out: list[SpecError] = []

    def bad(f: str, msg: str) -> None:
        out.append(SpecError(f, msg))

    layers = list(spec.layers)
    if len(layers) < 2:
        bad("layers", f"a network needs at least 2 layers (input and output), got {len(layers)}")
    names: list[str | None] = []
    sizes: list[int | None] = []
    for k, layer in enumerate(layers):
        p = f"layers[{k}]"
        name = layer.name
        if name is None:
            bad(f"{p}.name", "missing")
        elif not isinstance(name, str) or not name.strip():
            bad(f"{p}.name", "a layer needs a name")
            name = None
        names.append(name)
        size = layer.size
        if size is None:
            bad(f"{p}.size", "missing")
        elif not _is_int(size):
            bad(f"{p}.size", f"expected a whole number, got {size!r}")
            size = None
        elif size < 1:
            bad(f"{p}.size", f"a layer needs at least 1 neuron, got {size}")
            size = None
        elif size > limits.MAX_LAYER_SIZE:  # the loader's limits: what it builds, a file can hold
            bad(f"{p}.size", f"at most {limits.MAX_LAYER_SIZE:,} neurons in a layer, got {size:,}")
            size = None
        sizes.append(size)
        if k == 0:
            if layer.activation is not None:
                bad(f"{p}.activation", "the input layer has no activation")
        elif layer.activation not in ACTIVATION_NAMES:
            bad(f"{p}.activation", f"expected one of {', '.join(ACTIVATION_NAMES)}, got {layer.activation!r}")
        elif layer.activation == "linear":
            if layer.slope is None:
                bad(f"{p}.slope", "missing")
            elif not _is_number(layer.slope) or not math.isfinite(float(layer.slope)):
                bad(f"{p}.slope", f"expected a finite number, got {layer.slope!r}")
        if layer.origin is not None and (not _is_int(layer.origin) or layer.origin < 0):
            bad(f"{p}.origin", f"expected a layer index or None, got {layer.origin!r}")
    for k, name in enumerate(names):
        if name is not None and names.count(name) > 1:
            bad(f"layers[{k}].name", f'another layer is named "{name}" too')
    if len(sizes) >= 2 and all(s is not None for s in sizes):
        problem = limits.network_problem(sizes)
        if problem is not None and not problem[0].startswith("layers["):  # (sizes said above)
            bad(*problem)

    feats = spec.features
    if not isinstance(feats, (list, tuple)):
        bad("features", f"expected a list of feature names, got {feats!r}")
    elif feats and sizes and sizes[0] is not None:
        n_raw = sizes[0] - len(feats)
        if n_raw < 1:
            bad(
                "features",
                f"{len(feats)} derived features leave no raw input: the input layer's {sizes[0]} "
                f"neurons count the raw inputs and the derived features",
            )
        else:
            for i, f in enumerate(feats):
                problem = _features.problem(f, n_raw) if isinstance(f, str) else f"expected a name, got {f!r}"
                if problem is None and f in feats[:i]:
                    problem = f"{f} is listed twice"
                if problem:
                    bad(f"features[{i}]", problem)

    if spec.loss not in LOSS_NAMES:
        bad("loss", f"expected one of {', '.join(LOSS_NAMES)}, got {spec.loss!r}")
    L = len(layers) - 1
    if L >= 1 and all(ly.activation in ACTIVATION_NAMES for ly in layers[1:]):
        for k in range(1, L + 1):
            size = sizes[k] if sizes[k] is not None else 2
            problem = compatibility_problem(layers[k].activation, None, k == L, size)
            if problem:
                bad(f"layers[{k}].activation", problem)
        if spec.loss in LOSS_NAMES:
            size = sizes[L] if sizes[L] is not None else 2
            problem = compatibility_problem(layers[L].activation, spec.loss, True, size)
            if problem and not any(e.field == f"layers[{L}].activation" for e in out):
                bad("loss", problem)
    lr = spec.learning_rate
    if lr is None:
        bad("learning_rate", "missing")
    else:
        try:
            check_learning_rate(lr if _is_number(lr) else str(lr))
        except ValueError as e:
            bad("learning_rate", str(e))

    m = spec.n_samples if n_samples is None else n_samples
    if not _is_int(m) or m < 1:
        bad("n_samples", f"expected a positive whole number, got {m!r}")
        m = None
    bs = spec.batch_size
    try:  # the one rule for mode and batch size (the Training dock uses it too)
        check_mode(
            spec.mode, bs if bs is None or _is_int(bs) else -1, m if m is not None else limits.MAX_SAMPLES
        )
    except ValueError as e:
        msg = str(e) if bs is None or _is_int(bs) else f"expected a positive whole number, got {bs!r}"
        bad("mode" if spec.mode not in MODES else "batch_size", msg)
    if m is not None and len(sizes) >= 2 and all(s is not None for s in sizes):
        problem = limits.data_problem(m, sizes)
        if problem is not None:
            bad("n_samples", problem[1])
    if spec.mode != "minibatch" and bs is not None and (not _is_int(bs) or bs < 1):
        bad("batch_size", f"expected a positive whole number, got {bs!r}")
    ss = spec.shuffle_seed
    if ss is not None and (not _is_int(ss) or ss < 0):
        bad("shuffle_seed", f"expected a whole number ≥ 0, got {ss!r}")

    if spec.init_scheme not in INIT_SCHEMES:
        bad("init.scheme", f'expected "uniform" or "xavier", got {spec.init_scheme!r}')
    elif spec.init_scheme == "uniform":
        sc = spec.init_scale
        if sc is None:
            bad("init.scale", "missing")
        elif not _is_number(sc) or not math.isfinite(float(sc)):
            bad("init.scale", f"expected a finite number, got {sc!r}")
        elif sc <= 0:
            bad("init.scale", f"the scale must be greater than 0, got {sc:g}")
    seed = spec.init_seed
    if seed is None:
        bad("init.seed", "missing")
    elif not _is_int(seed) or seed < 0:
        bad("init.seed", f"expected a whole number ≥ 0, got {seed!r}")
    if not isinstance(spec.title, str):
        bad("title", f"expected text, got {spec.title!r}")
    return out


def validate_spec(spec: NetworkSpec, n_samples: int | None = None) -> None:
    """Raise the first of :func:`spec_problems`, if any."""
    problems = spec_problems(spec, n_samples)
    if problems:
        raise problems[0]


# ----------------------------------------------------------------------------- documents
def spec_from_document(doc: Document) -> NetworkSpec:
    """The spec of a document's network and settings; every layer continues itself. A
    document does not remember how it was drawn: the init fields are the defaults."""
    net = doc.network
    layers = [LayerSpec(net.names[0], net.sizes[0], None, 1.0, 0)]
    for k in range(1, len(net.sizes)):
        act = net.activations[k - 1]
        layers.append(LayerSpec(net.names[k], net.sizes[k], act.name, float(act.slope), k))
    return NetworkSpec(
        layers,
        biases=net.has_biases,
        train_biases=net.train_biases,
        loss=net.loss.name,
        learning_rate=float(doc.learning_rate),
        mode=doc.mode,
        batch_size=doc.batch_size,
        shuffle_seed=doc.shuffle_seed,
        title=doc.title,
        n_samples=doc.n_samples,
        features=list(net.features),
    )


def draw_parameters(
    sizes: list[int], scheme: str = "uniform", scale: float = 0.5, seed: int = 0, biases: bool = False
):
    """FORMAT.md's ``init``: one ``default_rng(seed)`` draws each weight matrix in order with
    ``uniform(-a, a, (n_out, n_in))`` (a = scale, or √(6 / (n_in + n_out)) for xavier), then,
    with biases, each bias vector in order the same way. Returns (weights, biases or None)."""
    rng = np.random.default_rng(seed)

    def a(n_out: int, n_in: int) -> float:
        return float(scale) if scheme == "uniform" else math.sqrt(6.0 / (n_in + n_out))

    pairs = list(zip(sizes[1:], sizes[:-1], strict=True))  # (n_out, n_in)
    weights = [rng.uniform(-a(o, i), a(o, i), (o, i)) for o, i in pairs]
    bs = [rng.uniform(-a(o, i), a(o, i), o) for o, i in pairs] if biases else None
    return weights, bs


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def _fit_columns(a: np.ndarray, n: int, what: str, notes: list[str]) -> np.ndarray:
    old = a.shape[1]
    if old == n:
        return a.copy()
    out = np.zeros((a.shape[0], n))
    k = min(old, n)
    out[:, :k] = a[:, :k]
    if n > old:
        notes.append(
            f"The {what} had {_plural(old, 'column')} and now have {n}: "
            f"the new {'column is' if n - old == 1 else 'columns are'} 0 in every sample."
        )
    else:
        cut = "the last column was" if old - n == 1 else f"the last {old - n} columns were"
        notes.append(f"The {what} had {_plural(old, 'column')} and now have {n}: {cut} dropped.")
    return out


def _draw_text(spec: NetworkSpec) -> str:
    how = (
        f"uniform ±{spec.init_scale:g}"
        if spec.init_scheme == "uniform"
        else "xavier uniform ±√(6 / (n_in + n_out))"
    )
    return f"seed {spec.init_seed}, {how}"


def build_document(spec: NetworkSpec, old: Document | None = None) -> tuple[Document, list[str]]:
    """The document of ``spec``, and notes for the user on what changed beyond the spec.

    Without ``old``: weights (and biases) drawn as FORMAT.md's ``init`` draws them, data a
    placeholder of ``spec.n_samples`` samples of zeros. With ``old``: the seeded draw, then
    every weight whose layers continue adjacent old layers (``LayerSpec.origin``) and whose
    (row, col) still exists keeps its old value, every bias likewise; the data keeps its
    samples, columns padded with zeros or cut to the new raw input and output sizes (its test
    rows alike); labels of layers with the same name and size are kept. The class names are
    kept while they fit the outputs, the generator while the data's shape and targets are still
    what it makes; notes say what was dropped. Raises SpecError for an invalid spec, or
    (field "loss") for targets the loss cannot take (functions.target_problem)."""
    m = old.n_samples if old is not None else spec.n_samples
    validate_spec(spec, m)
    names, sizes = spec.names, [int(s) for s in spec.sizes]
    L = len(sizes) - 1
    feats = tuple(spec.features)
    n_raw = sizes[0] - len(feats)
    test_inputs = test_targets = None
    classes: list[str] | None = None
    generator: dict | None = None
    acts = [make_activation(ly.activation, float(ly.slope)) for ly in spec.layers[1:]]
    weights, biases = draw_parameters(
        sizes, spec.init_scheme, spec.init_scale, int(spec.init_seed), spec.biases
    )
    notes: list[str] = []
    if old is None:
        neurons = [Labels.neuron_names(names[k], n) for k, n in enumerate(sizes)]
        neurons[0][n_raw:] = [_features.label(f, neurons[0][:n_raw]) for f in feats]
        labels = Labels.from_neurons(neurons, sizes)
        inputs, targets = np.zeros((m, n_raw)), np.zeros((m, sizes[-1]))
        if spec.loss == "cross_entropy":  # its targets are probabilities: class 1, one-hot
            targets[:, 0] = 1.0
        notes.append(f"The data is a placeholder: {_plural(m, 'sample')} of zeros.")
        description, extra = "", {}
    else:
        on = old.network
        n_old = len(on.sizes)
        origin: list[int | None] = []
        for k, ly in enumerate(spec.layers):
            if ly.origin is not None and ly.origin >= n_old:
                raise SpecError(f"layers[{k}].origin", f"the old network has no layer {ly.origin}")
            origin.append(ly.origin)

        def adjacent(j: int) -> int | None:  # the old matrix that new matrix j continues
            a, b = origin[j], origin[j + 1]
            return a if a is not None and b is not None and b == a + 1 else None

        kept_w = 0
        for j in range(L):
            oj = adjacent(j)
            if oj is not None:
                r, c = (min(x, y) for x, y in zip(weights[j].shape, on.weights[oj].shape, strict=True))
                weights[j][:r, :c] = on.weights[oj][:r, :c]
                kept_w += r * c
        n_w = sum(w.size for w in weights)
        if kept_w < n_w:
            notes.append(
                f"Kept {kept_w} of {_plural(n_w, 'weight')}; {n_w - kept_w} drawn from {_draw_text(spec)}."
            )
        if biases is not None:
            kept_b = 0
            for j in range(L):
                o = origin[j + 1]
                if on.biases is not None and o is not None and o >= 1:
                    n = min(len(biases[j]), len(on.biases[o - 1]))
                    biases[j][:n] = on.biases[o - 1][:n]
                    kept_b += n
            n_b = sum(len(b) for b in biases)
            if kept_b < n_b:
                notes.append(
                    f"Kept {kept_b} of {_plural(n_b, 'bias', 'biases')}; "
                    f"{n_b - kept_b} drawn from {_draw_text(spec)}."
                )

        # labels: a layer with the same name and size keeps its neuron and bias labels,
        # a weight matrix between two such (adjacent) layers keeps its own
        ol = on.labels
        same = [
            o is not None and on.names[o] == names[k] and on.sizes[o] == sizes[k]
            for k, o in enumerate(origin)
        ]
        same[0] = same[0] and origin[0] == 0 and tuple(on.features) == feats
        neurons = [
            list(ol.neurons[origin[k]]) if same[k] else Labels.neuron_names(names[k], sizes[k])
            for k in range(L + 1)
        ]
        if not same[0]:  # raw inputs keep their labels; derived ones are named after them
            kept = list(ol.neurons[0][: on.n_raw]) if origin[0] == 0 and on.names[0] == names[0] else []
            raw = [kept[i] if i < len(kept) else neurons[0][i] for i in range(n_raw)]
            neurons[0] = raw + [_features.label(f, raw) for f in feats]
        labels = Labels.from_neurons(neurons, sizes)
        for j in range(L):
            if same[j] and same[j + 1] and adjacent(j) is not None:
                labels.weights[j] = [list(r) for r in ol.weights[adjacent(j)]]
            if same[j + 1] and origin[j + 1] >= 1:
                labels.biases[j] = list(ol.biases[origin[j + 1] - 1])

        inputs = _fit_columns(old.inputs, n_raw, "inputs", notes)
        targets = _fit_columns(old.targets, sizes[-1], "targets", notes)
        if old.n_test:  # the test rows change as the data's rows do (the note above says how)
            test_inputs = _fit_columns(old.test_inputs, n_raw, "test inputs", [])
            test_targets = _fit_columns(old.test_targets, sizes[-1], "test targets", [])
        reshaped = inputs.shape[1] != old.inputs.shape[1] or targets.shape[1] != old.targets.shape[1]
        if old.classes is not None:
            if len(old.classes) == (2 if sizes[-1] == 1 else sizes[-1]):
                classes = list(old.classes)
            else:
                notes.append(
                    f"The class names ({', '.join(old.classes)}) no longer fit "
                    f"{_plural(sizes[-1], 'output')}: they are dropped."
                )
        if old.generator is not None:
            low = -1.0 if acts[-1].name == "tanh" else 0.0
            fits = datasets.fit_problem(old.generator, n_raw, sizes[-1]) is None
            if not reshaped and fits and low == datasets.target_low(on):
                generator = dict(old.generator)
            else:
                notes.append(
                    f"The data no longer is what its generator ({old.generator.get('name')}) makes "
                    "for this network: the generator is forgotten (the rows are kept)."
                )
        description = old.description
        extra = copy.deepcopy(old.extra)
    for where, t in (("data", targets), ("test data", test_targets)):
        problem = None if t is None else target_problem(spec.loss, t)
        if problem:
            raise SpecError("loss", f"{problem} (in the {where}); change the targets first")

    net = Network(
        list(names),
        sizes,
        acts,
        weights,
        biases,
        bool(spec.train_biases),
        make_loss(spec.loss),
        labels,
        feats,
        _kept_shape(old, sizes[0] - len(feats)),
    )
    doc = Document(
        net,
        inputs,
        targets,
        float(spec.learning_rate),
        spec.mode,
        None if spec.batch_size is None else int(spec.batch_size),
        None if spec.shuffle_seed is None else int(spec.shuffle_seed),
        spec.title or "",
        description,
        None,
        extra,
        test_inputs,
        test_targets,
        classes,
        generator,
    )
    return doc, notes


def _kept_shape(old: Document | None, n_raw: int) -> tuple[int, int] | None:
    """The image shape of the old input layer (layers[0].shape), while the raw inputs still
    fill it."""
    if old is None:
        return None
    shape = getattr(old.network, "input_shape", None)
    return shape if shape is not None and old.network.n_raw == n_raw else None
