"""Earlier runs of the open network, kept to compare with the one training now: "what if η
were 5 instead of 0.5?" is answered by two curves on one plot.

A run ends when the error history starts again from step 0: Reset (``Session.reset``), new
weights (Training → Re-initialise), or a new network or new settings from the network dialog
(``Session.replace_document``). The session then hands the history to :meth:`RunList.archive`,
which keeps a decimated copy of its curve (:class:`Run`); the error plot draws the visible
ones as faint curves under the live one, and the run list beside it shows, hides and removes
them. The list belongs to the open network: opening a file or a preset, or File → New, starts
a new one (``RunList.clear``).

What a run keeps
----------------
One curve a run: E of all samples at each epoch's end where the history has it (online
training of several samples, whose per-step curve zig-zags between the samples' errors),
else E of each step (batch and minibatch; a curve stepped by hand). The curve is cut down with
the plot's own peak decimation (``decimate.envelope``) to at most ``POINTS`` pixels' min and
max over the whole run, so the curve keeps its shape, spikes and all, however long the run,
and a run costs at most 64 kB (``MAX_RUNS`` runs: 0.5 MB). A short run (up to ``2 × POINTS``
entries) keeps every point exactly.

Labels
------
A run is named by what differs between it, the other runs and the settings of the run to
come: "η = 0.5" and "η = 5" when only η changed; "2-4-1 tanh" when the layers and the
activation did; "η = 0.5 · α = 0.9" when two settings did. A setting changed during a run
reads "η = 0.5 → 5". Runs that differ in nothing shown are "run 1", "run 2", … (their number
in this list). The facts compared are :func:`run_facts` of the document.

Re-initialise
-------------
:func:`reinitialised` is a copy of the document with new weights drawn as FORMAT.md's ``init``
draws them (``core.build.draw_parameters``, the loader's scheme): the file's ``init`` scheme
with a new seed, or uniform ±0.5 for a file that gives its weights. The session makes it the
open document in one undoable step; Reset then goes back to these weights.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from bpviz.core.build import draw_parameters
from bpviz.core.fileformat import Document
from bpviz.gui.decimate import envelope
from bpviz.gui.error_history import History, Record

__all__ = [
    "Run",
    "RunList",
    "run_facts",
    "reinitialised",
    "weights_origin",
    "default_init",
    "MAX_RUNS",
    "POINTS",
    "RUN_COLOURS",
    "DEFAULT_SCALE",
]

MAX_RUNS = 8  # the oldest run is dropped when another would make more
POINTS = 2000  # pixels of a run's kept curve: at most two points (min and max) each
DEFAULT_SCALE = 0.5  # uniform ±0.5: the scheme for a file that gives its weights, no init
# Paul Tol's "muted" scheme (distinct for colour-blind readers), without the colours of the
# live curves (blue, vermillion, green, the test curve's orange): one a run, the first free
RUN_COLOURS = ("#CC6677", "#44AA99", "#AA4499", "#999933", "#88CCEE", "#DDCC77", "#882255", "#332288")
FACT_KEYS = ("layers", "activation", "eta", "alpha", "mode", "weights", "data")


@dataclass(frozen=True)
class Fact:
    """One setting of a run as it reads ("η = 0.5") and what tells it apart (``ident``: two
    data sets of the same size are different data)."""

    text: str
    ident: object = None

    @property
    def key(self) -> object:
        return self.text if self.ident is None else (self.text, self.ident)


def _activation_text(net) -> str:
    """ "sigmoid" when every layer has it; "tanh (sigmoid out)" for one hidden kind and
    another output; else each weight layer's in order, "relu/tanh/sigmoid"."""
    names = [
        str(a.name) + (f" {a.slope:g}" if a.name == "linear" and a.slope != 1 else "")
        for a in net.activations
    ]
    if len(set(names)) == 1:
        return names[0]
    if len(set(names[:-1])) == 1:
        return f"{names[0]} ({names[-1]} out)"
    return "/".join(names)


def _data_fact(doc: Document) -> Fact:
    h = hashlib.blake2b(digest_size=8)
    for a in (doc.inputs, doc.targets):
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    gen = doc.generator or {}
    name = gen.get("name")
    n = doc.n_samples
    text = f"{name} data, {n:,} samples" if name else f"{n:,} samples"
    return Fact(text, h.hexdigest())


def weights_origin(doc: Document) -> str:
    """Where the document's start weights came from: "uniform ±0.5, seed 7", "xavier, seed
    3", or "the file's weights" (a file that gives them, no ``init``)."""
    init = getattr(doc, "init", None)  # (a file's init block, FORMAT.md)
    if not init:
        return "the file's weights"
    return f"{_scheme_text(init['scheme'], init.get('scale', DEFAULT_SCALE))}, seed {init['seed']}"


def _scheme_text(scheme: str, scale: float) -> str:
    return f"uniform ±{scale:g}" if scheme == "uniform" else "xavier uniform"


def run_facts(doc: Document) -> dict[str, Fact]:
    """The settings a run is told apart by, in label order: layers, activation, η, α (the
    momentum), mode, start weights, data."""
    net = doc.network
    mode = f"minibatch {doc.batch_size}" if doc.mode == "minibatch" else doc.mode
    init = getattr(doc, "init", None)  # (a file's init block, FORMAT.md)
    w = Fact(f"seed {init['seed']}" if init else "file's weights")
    if init and (init["scheme"] != "uniform" or init.get("scale", DEFAULT_SCALE) != DEFAULT_SCALE):
        w = Fact(f"{_scheme_text(init['scheme'], init.get('scale', DEFAULT_SCALE))} seed {init['seed']}")
    return {
        "layers": Fact("-".join(str(s) for s in net.sizes)),
        "activation": Fact(_activation_text(net)),
        "eta": Fact(f"η = {doc.learning_rate:g}"),
        "alpha": Fact(f"α = {getattr(doc, 'momentum', 0.0):g}"),
        "mode": Fact(mode),
        "weights": w,
        "data": _data_fact(doc),
    }


def _changed(start: Fact, end: Fact) -> Fact:
    """A setting over a run: as it was, or "η = 0.5 → 5" when it changed during the run."""
    if start.key == end.key:
        return start
    head, sep, tail = end.text.partition(" = ")
    text = (
        f"{start.text} → {tail}"
        if sep and start.text.startswith(head + " = ")
        else f"{start.text} → {end.text}"
    )
    return Fact(text, (start.key, end.key))


@dataclass
class Run:
    """One earlier run: its settings (``facts``), its kept curve (``steps``, ``errors``:
    decimated, see the module docstring), the step it ended at and its last E."""

    number: int  # in this list, from 1
    facts: dict[str, Fact]
    steps: np.ndarray
    errors: np.ndarray
    curve: str  # "epoch": E of all samples at epoch ends; "step": E of each step
    n_steps: int
    final_step: int
    final_error: float
    colour: str
    why: str = "reset"  # what ended it: "reset", "weights", "network"
    visible: bool = True
    label: str = ""
    start: dict[str, Fact] = field(default_factory=dict)  # the facts when it began

    @property
    def nbytes(self) -> int:
        return int(self.steps.nbytes + self.errors.nbytes)

    @property
    def curve_text(self) -> str:
        return "E of all samples at each epoch's end" if self.curve == "epoch" else "E of each step"

    @property
    def final_text(self) -> str:
        """ "E = 0.0123 at step 2,000" (or "not finite" for a run that blew up)."""
        e = self.final_error
        value = f"{e:.4g}" if math.isfinite(e) else "not finite"
        return f"E = {value} at step {self.final_step:,}"

    def tooltip(self) -> str:
        lines = [
            f"Run {self.number}: {self.label}",
            f"{self.n_steps:,} steps; last {self.curve_text}: {self.final_text}.",
            "Settings: " + ", ".join(f.text for f in self.facts.values()) + ".",
        ]
        if len(self.steps) and self.curve == "epoch":
            lines.append("The faint curve is E of all samples at each epoch's end.")
        return "\n".join(lines)


def _curve(history: History) -> tuple[str, Record]:
    """The record a run keeps: epoch ends where there are at least two (online training of
    several samples), else each step."""
    if len(history.epoch_record) >= 2:
        return "epoch", history.epoch_record
    return "step", history.step_record


def decimated(record: Record, points: int = POINTS) -> tuple[np.ndarray, np.ndarray]:
    """A bounded record as at most ~2 × ``points`` (step, E) pairs over its whole length:
    every entry while they are few, else each of ``points`` pixels' min and max."""
    first, last, _count, lo, hi, _mean = record.columns()
    if not len(first):
        return np.zeros(0), np.zeros(0)
    xs, ys = envelope(first, last, lo, hi, float(first[0]), float(last[-1]), points)
    # (a bucket's point sits at its middle: keep the steps in order for the plot's search)
    return np.maximum.accumulate(np.asarray(xs, dtype=float)), np.asarray(ys, dtype=float)


def _newest(record: Record) -> tuple[int, float]:
    """The step and value of the record's newest entry."""
    first, last, _c, _lo, _hi, mean = record.columns()
    if not len(first):
        return 0, math.nan
    return int(last[-1]), float(mean[-1])


class RunList(QObject):
    """The earlier runs of the open network (at most ``MAX_RUNS``, oldest dropped), with the
    facts of the run under way to name them against. ``changed``: runs added, removed, shown,
    hidden or renamed."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: list[Run] = []
        self._next = 1
        self.dropped = 0  # runs dropped to keep MAX_RUNS
        self._live: dict[str, Fact] | None = None
        self._start: dict[str, Fact] | None = None  # the facts when the run under way began
        self.live_label = ""  # the run under way named as the runs are ("η = 5"; "": no runs)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self):
        return iter(list(self.runs))

    @property
    def visible_runs(self) -> list[Run]:
        return [r for r in self.runs if r.visible]

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.runs)

    def run(self, number: int) -> Run | None:
        return next((r for r in self.runs if r.number == number), None)

    # -- the run under way ----------------------------------------------------------------
    def note(self, facts: dict[str, Fact], steps: int) -> None:
        """The settings now (``facts``) and the steps of the history so far: before the first
        step they are the run's start."""
        if steps == 0 or self._start is None:
            self._start = facts
        if facts != self._live:
            self._live = facts
            if self._relabel():
                self.changed.emit()

    # -- changes ---------------------------------------------------------------------------
    def archive(self, history: History, facts: dict[str, Fact], why: str = "reset") -> Run | None:
        """Keep the run whose history this is (nothing when it has no steps), ended with the
        settings ``facts``; the run under way then starts afresh."""
        start, self._start = self._start or facts, None
        if history.n == 0:
            return None
        curve, record = _curve(history)
        xs, ys = decimated(record)
        final_step, final_error = _newest(record)
        if len(self.runs) >= MAX_RUNS:
            self.runs.pop(0)
            self.dropped += 1
        used = {r.colour for r in self.runs}
        colour = next((c for c in RUN_COLOURS if c not in used), RUN_COLOURS[self._next % len(RUN_COLOURS)])
        run = Run(
            self._next,
            {k: _changed(start[k], facts[k]) for k in FACT_KEYS},
            xs,
            ys,
            curve,
            int(history.n),
            final_step,
            final_error,
            colour,
            why,
            start=start,
        )
        self._next += 1
        self.runs.append(run)
        self._relabel()
        self.changed.emit()
        return run

    def restored(self, history: History) -> None:
        """Undo brought back the run the newest entry was archived from (a network change
        undone): that run is the live one again, not an earlier one."""
        if not self.runs:
            return
        r = self.runs[-1]
        if r.why != "reset" and r.n_steps == history.n and history.n > 0:
            curve, record = _curve(history)
            if curve == r.curve and _newest(record) == (r.final_step, r.final_error):
                self.runs.pop()
                self._next = r.number
                self._start = r.start
                self._relabel()
                self.changed.emit()

    def set_visible(self, number: int, on: bool) -> None:
        r = self.run(number)
        if r is not None and r.visible != bool(on):
            r.visible = bool(on)
            self.changed.emit()

    def remove(self, number: int) -> None:
        r = self.run(number)
        if r is not None:
            self.runs.remove(r)
            self._relabel()
            self.changed.emit()

    def clear(self) -> None:
        """A new list (another network opened): the run under way starts afresh too."""
        had = bool(self.runs)
        self.runs = []
        self._next = 1
        self.dropped = 0
        self._start = None
        if had:
            self.changed.emit()

    # -- labels ----------------------------------------------------------------------------
    def _relabel(self) -> bool:
        """Name each run by the facts that differ among the runs and the run under way;
        whether a label changed."""
        sets = [r.facts for r in self.runs] + ([self._live] if self._live else [])
        differ = [k for k in FACT_KEYS if len({f[k].key for f in sets}) > 1]
        labels = [_label(r.facts, differ) for r in self.runs]
        live = _label(self._live, differ) if self._live and self.runs else ""
        seen: dict[str, int] = {}
        for t in labels:
            seen[t] = seen.get(t, 0) + 1
        changed = live != self.live_label
        self.live_label = live
        for r, t in zip(self.runs, labels, strict=True):
            name = f"run {r.number}" if not t else (f"{t} · run {r.number}" if seen[t] > 1 else t)
            if name != r.label:
                r.label, changed = name, True
        return changed


def _label(facts: dict[str, Fact], differ: list[str]) -> str:
    """The facts ``differ`` names, joined: "η = 0.5 · α = 0.9", "2-4-1 tanh"."""
    parts = [facts[k].text for k in differ]
    if "layers" in differ and "activation" in differ:
        i = differ.index("layers")
        parts[i : i + 2] = [f"{parts[i]} {parts[i + 1]}"]
    return " · ".join(parts)


# ------------------------------------------------------------------------------ new weights
def default_init(doc: Document) -> dict:
    """The scheme Re-initialise draws with: the file's ``init`` (scheme and scale), else
    uniform ±0.5; and a new seed (1 … 9,999, not the one the weights came from)."""
    init = getattr(doc, "init", None) or {}
    old = init.get("seed")
    seed = old
    rng = random.SystemRandom()
    while seed == old:
        seed = rng.randint(1, 9999)
    return {
        "scheme": init.get("scheme", "uniform"),
        "scale": float(init.get("scale", DEFAULT_SCALE)),
        "seed": int(seed),
    }


def reinitialised(
    doc: Document, seed: int | None = None, scheme: str | None = None, scale: float | None = None
) -> tuple[Document, str]:
    """A copy of ``doc`` at step 0 with new weights from ``seed`` (None: a new one, see
    :func:`default_init`), drawn as a file's ``init`` draws them; and the sentence that says
    so ("New weights from uniform ±0.5, seed 7"). Trained biases are drawn too; fixed biases
    (``train_biases`` false, such as Mazur's) keep their values. ValueError for a bad seed,
    scheme or scale."""
    d = default_init(doc)
    scheme = d["scheme"] if scheme is None else scheme
    scale = d["scale"] if scale is None else float(scale)
    seed = d["seed"] if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"the seed must be a whole number ≥ 0, got {seed!r}")
    if scheme not in ("uniform", "xavier"):
        raise ValueError(f'the scheme must be "uniform" or "xavier", got {scheme!r}')
    if not (math.isfinite(scale) and 0 < scale <= 1e6):
        raise ValueError(f"the scale must be a number > 0, got {scale:g}")
    new = doc.copy()
    net = new.network
    weights, biases = draw_parameters(list(net.sizes), scheme, scale, int(seed), net.has_biases)
    kept = net.has_biases and not net.train_biases
    net.set_parameters(weights, net.biases if kept else biases)
    new.init = {"scheme": scheme, "scale": scale, "seed": int(seed)}
    new.session = None
    if hasattr(new, "velocity"):
        new.velocity = None  # (momentum: v starts at 0 with new weights)
    text = f"New weights from {_scheme_text(scheme, scale)}, seed {int(seed)}"
    if getattr(doc, "init", None) is None and scheme == "uniform":
        text += " (the file gives its weights and no init scheme)"
    if kept:
        text += "; the fixed biases keep their values"
    return new, text
