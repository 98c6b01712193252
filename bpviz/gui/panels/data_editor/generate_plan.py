"""What Data → Generate would do to a document, without Qt: the rows a generator spec makes
for the network, whether they fit it, how the network would have to change when they do not,
and the new document. The dialog (``generate``) shows a plan and applies it; tests check it.

A set fits when its inputs are the network's raw inputs (derived features are computed from
them) and its targets one of the output counts it supports (a two-class set: 1 output of
low/1, or 2 one-hot outputs). A set that does not fit can be applied with ``adapt``: the input
and output layers get the set's sizes (``build.build_document`` keeps every weight that still
fits). Targets follow the output layer: −1 for "not this class" under a tanh output, else 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from bpviz.core import datasets
from bpviz.core import features as core_features
from bpviz.core.build import SpecError, build_document, spec_from_document, spec_problems
from bpviz.core.datasets import GENERATORS, Generated, GeneratorError
from bpviz.core.fileformat import Document
from bpviz.core.functions import compatibility_problem, target_problem

__all__ = ["GeneratePlan", "make_plan", "apply_plan", "n_raw_of", "initial_spec"]


def n_raw_of(network) -> int:
    """The inputs a data row holds (the input layer without derived features)."""
    return int(network.n_raw)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 'es' if word.endswith('s') else 's'}"


@dataclass
class GeneratePlan:
    """What applying ``spec`` to a document does.

    ``generated``: the rows (None when they cannot be made); ``n_in`` / ``n_out``: the shape
    they take; ``fits``: the network takes them as it is; ``adapt``: the plan changes the
    input and output layers (asked for and needed); ``problem``: why it cannot be applied (a
    sentence; None: it can); ``fit_text``: one line on how the set meets the network;
    ``notes``: hints that do not stop it (a sigmoid output under targets below 0, …)."""

    spec: dict
    generated: Generated | None = None
    n_in: int = 0
    n_out: int = 0
    low: float = 0.0
    fits: bool = True
    adapt: bool = False
    adapt_text: str = ""
    problem: str | None = None
    action: str = ""  # what the user can do about the problem (the dialog's message line)
    fit_text: str = ""
    targets_text: str = ""  # how the targets name the classes
    notes: list[str] = field(default_factory=list)
    dropped_features: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.generated is not None


def initial_spec(doc: Document, name: str | None = None, last: dict | None = None) -> dict:
    """The spec the dialog starts from for generator ``name`` (None: the document's own
    generator, else the first set that fits the network): the last one used for it, the
    document's own generator when it is this one, else the generator's defaults."""
    gen = doc.generator
    if name is None and gen:
        name = gen["name"]
    if name is None:  # the first set that fits the network as it is
        net = doc.network
        name = next(
            (n for n, g in GENERATORS.items() if g.fits(n_raw_of(net), net.sizes[-1], g.defaults())),
            "xor",
        )
    if last and name in last:
        return dict(last[name])
    if gen and gen.get("name") == name:
        return dict(gen)
    return GENERATORS[name].defaults()


def _output_choice(g, spec: dict, network) -> int:
    """The outputs an adapted network gets: the network's count when the set takes it, else
    2 one-hot outputs for a two-class set under softmax (which needs 2), else the default."""
    outs = g.outputs(spec)
    have = network.sizes[-1]
    if have in outs:
        return have
    if network.activations[-1].name == "softmax" and 2 in outs:
        return 2
    return g.default_outputs(spec)


def make_plan(spec: dict, doc: Document, adapt: bool = False) -> GeneratePlan:
    """The plan of generating ``spec`` for ``doc``'s network (see the module doc). Never
    raises for a bad spec or shape: the plan's ``problem`` says what is wrong."""
    try:
        s = datasets.normalise_spec(spec)
    except GeneratorError as e:
        return GeneratePlan(dict(spec), problem=f"{e}.")
    g = GENERATORS[s["name"]]
    net = doc.network
    n_raw, n_out_net = n_raw_of(net), net.sizes[-1]
    plan = GeneratePlan(s)
    fits = g.fits(n_raw, n_out_net, s)
    plan.fits = fits
    if fits:
        n_in, n_out = n_raw, n_out_net
    else:
        n_in, n_out = g.n_in, _output_choice(g, s, net)
    plan.n_in, plan.n_out = n_in, n_out
    act = net.activations[-1].name
    plan.low = -1.0 if act == "tanh" else 0.0
    loss = net.loss.name
    if not fits:
        why = datasets.fit_problem(s, n_raw, n_out_net) or "it does not fit the network"
        plan.adapt_text = _adapt_text(net, n_in, n_out)
        plan.fit_text = (
            f"Does not fit this network ({_shape(net)}): the set needs "
            f"{_count(n_in, 'input')} and {_count(n_out, 'output')}."
        )
        if not adapt:
            plan.action = (
                f"Tick “Change the network” to give it {_count(n_in, 'input')} and "
                f"{_count(n_out, 'output')}, or choose another set."
            )
            plan.problem = f"{why[0].upper()}{why[1:]}. {plan.action}"
        else:
            plan.adapt = True
            plan.dropped_features = [
                f for f in getattr(net, "features", ()) if core_features.problem(f, n_in) is not None
            ]
            compat = compatibility_problem(act, loss, True, n_out)
            if compat:
                plan.problem = (
                    f"{g.title} makes {_count(n_out, 'target')}, but {compat}: change the "
                    "output layer first (Edit → Network…), or choose another set."
                )
    try:
        plan.generated = datasets.generate_spec(s, n_in, n_out, plan.low)
    except GeneratorError as e:  # the shape was checked above: a parameter then
        plan.problem = plan.problem or f"{e}."
        plan.generated = None
        return plan
    made = plan.generated
    if fits:
        plan.fit_text = f"Fits this network ({_shape(net)})."
    plan.targets_text = _targets_text(g, made, n_out, plan.low)
    if plan.problem is None:
        for rows, what in ((made.targets, "rows"), (made.test_targets, "test rows")):
            p = target_problem(loss, rows) if len(rows) else None
            if p:
                plan.problem = (
                    f"The {what} do not suit the loss: {p}. Choose another loss in "
                    "Edit → Network…, or another set."
                )
                break
    if g.regression and act in ("sigmoid", "softmax") and len(made.targets) and made.targets.min() < 0:
        plan.notes.append(
            f"The targets go below 0, but a {act} output stays in (0, 1): a tanh or identity "
            "output layer can reach them (Edit → Network…)."
        )
    return plan


def _targets_text(g, made: Generated, n_out: int, low: float) -> str:
    """How the targets encode the classes (empty for regression and the tables)."""
    if not g.classification or not made.classes:
        return ""
    lo_name, hi_name = made.classes[0], made.classes[-1]
    lo = f"{low:g}".replace("-", "−")  # a true minus, as the app writes numbers for people
    tanh = " (a tanh output: −1, not 0)" if low < 0 else ""
    if n_out == 1:
        return f"Targets: {lo} for {lo_name}, 1 for {hi_name}{tanh}."
    return f"Targets: one-hot, one output per class (1 for the class, {lo} elsewhere){tanh}."


def _shape(net) -> str:
    return f"{_count(n_raw_of(net), 'input')}, {_count(net.sizes[-1], 'output')}"


def _adapt_text(net, n_in: int, n_out: int) -> str:
    parts = []
    n_raw = n_raw_of(net)
    if n_raw != n_in:
        parts.append(f"{_count(n_raw, 'input')} → {n_in}")
    if net.sizes[-1] != n_out:
        parts.append(f"{_count(net.sizes[-1], 'output')} → {n_out}")
    return ", ".join(parts)


def _adapted_spec(doc: Document, n_in: int, n_out: int, n_samples: int, dropped: list[str]):
    """The network dialog's spec of ``doc`` with ``n_in`` raw inputs and ``n_out`` outputs;
    derived features that need an input the set does not have are dropped (the input layer
    counts the raw inputs and the derived features, as in the file)."""
    spec = spec_from_document(doc)
    feats = [f for f in spec.features if f not in dropped]
    layers = list(spec.layers)
    layers[0] = layers[0]._replace(size=n_in + len(feats))
    layers[-1] = layers[-1]._replace(size=n_out)
    bs = spec.batch_size
    return dataclasses.replace(
        spec,
        layers=layers,
        features=feats,
        n_samples=n_samples,
        batch_size=None if bs is None else min(int(bs), n_samples),
    )


def apply_plan(plan: GeneratePlan, doc: Document) -> tuple[Document, list[str]]:
    """The new document: ``doc`` (the session's current one) with the generated rows, test
    rows, class names and generator spec, and the network changed when the plan adapts it.
    Returns the document and notes on what changed beyond the data (ValueError when the plan
    cannot be applied)."""
    if not plan.ok:
        raise ValueError(plan.problem or "nothing was generated")
    made = plan.generated
    notes: list[str] = []
    if plan.adapt:
        base = doc.copy()
        # the new rows already: they have the new layers' widths, so nothing is padded or cut
        base.inputs, base.targets = made.inputs.copy(), made.targets.copy()
        base.test_inputs, base.test_targets = made.test_inputs.copy(), made.test_targets.copy()
        base.classes = None if made.classes is None else list(made.classes)
        base.generator = dict(made.spec)
        spec = _adapted_spec(doc, plan.n_in, plan.n_out, len(made.inputs), plan.dropped_features)
        problems = spec_problems(spec)
        if problems:
            raise ValueError(problems[0].reason)
        try:
            new, notes = build_document(spec, base)
        except SpecError as e:
            raise ValueError(str(e)) from None
        if plan.dropped_features:
            notes.append(
                "Dropped the derived inputs "
                + ", ".join(plan.dropped_features)
                + f": the set has {_count(plan.n_in, 'input')}."
            )
    else:
        new = doc.copy()
    new.inputs = np.array(made.inputs, dtype=float)
    new.targets = np.array(made.targets, dtype=float)
    new.test_inputs = np.array(made.test_inputs, dtype=float)
    new.test_targets = np.array(made.test_targets, dtype=float)
    new.classes = None if made.classes is None else list(made.classes)
    new.generator = dict(made.spec)
    if new.batch_size is not None and new.batch_size > new.n_samples:
        new.batch_size = new.n_samples
    return new, notes
