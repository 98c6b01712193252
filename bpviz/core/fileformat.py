"""Load, validate and save the ``bpviz/1`` network file (shared/design/FORMAT.md).

A saved session may carry its run's checkpoints (``session.checkpoints``, :class:`SavedCheckpoint`:
``Document.checkpoints``), so that a reopened session scrubs the error curve too
(``bpviz.core.checkpoints``); at most ``limits.MAX_CHECKPOINT_NUMBERS`` numbers of them, which
``fit_checkpoints`` keeps on save and the loader enforces.

Every problem is a :class:`FormatError` whose message names the JSON path
(``layers[2].size: expected a positive integer, got "3"``); nothing else escapes ``load``.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import os
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bpviz.core import datasets, fastpath, limits
from bpviz.core import features as _features
from bpviz.core import momentum as _momentum
from bpviz.core.atomic import write_atomic
from bpviz.core.functions import (
    LOSS_NAMES,
    compatibility_problem,
    make_loss,
    target_problem,
)
from bpviz.core.json_values import (
    FormatError,
    Numbers,
    _activation,
    _find_non_finite,  # noqa: F401 (kept for callers of the old name)
    _int,
    _is_number,
    _key,
    _list,
    _matrix,
    _NonFinite,  # noqa: F401
    _number,
    _parse_float,  # noqa: F401
    _show,
    _string,
    _text,
    _vector,
    decode,
    plain,
    read_text,
)
from bpviz.core.momentum import Velocity
from bpviz.core.network import Labels, Network

__all__ = [
    "FormatError",
    "Document",
    "SavedCheckpoint",
    "fit_checkpoints",
    "FULL_SPEED",
    "load",
    "loads",
    "parse",
    "save",
    "dumps",
    "to_json",
    "session_record",
]

FORMAT = "bpviz/1"
MODES = ("online", "batch", "minibatch")
KNOWN_KEYS = {
    "format",
    "title",
    "description",
    "layers",
    "features",
    "weights",
    "init",
    "biases",
    "train_biases",
    "loss",
    "learning_rate",
    "momentum",
    "mode",
    "batch_size",
    "shuffle_seed",
    "data",
    "labels",
    "session",
}
FULL_SPEED = "full"  # the "speed" key's word for "as fast as the machine goes"
DATA_KEYS = ("inputs", "targets", "classes", "test", "generator")
CHECKPOINT_KEYS = (
    "step",
    "end",
    "pinned",
    "learning_rate",
    "momentum",
    "mode",
    "batch_size",
    "shuffle_seed",
    "path",
    "weights",
    "biases",
    "velocity",
)
TRAINER_PATHS = ("numpy", "fast")  # bpviz.core.training.PATHS (that module imports this one)


@dataclass(frozen=True)
class SavedCheckpoint:
    """One entry of ``session.checkpoints``: the state before step ``step`` + 1 of a run (the
    weights and biases after ``step`` steps, momentum's velocity: None with α = 0 or zeros),
    the settings that compute the steps after it and the trainer's path, and ``end``, the
    last step of its run (a replay from it goes no further: steps taken by hand, an edit
    after the run, are not the run's). ``pinned``: taken at an event (a load, new settings,
    an edit), kept first when checkpoints are thinned. Arrays are float64, read as given."""

    step: int
    end: int
    weights: tuple
    biases: tuple | None
    velocity: Velocity | None
    learning_rate: float
    momentum: float
    mode: str
    batch_size: int | None
    shuffle_seed: int | None
    path: str
    pinned: bool = False

    @property
    def numbers(self) -> int:
        """The numbers it writes (weights, biases, velocity)."""
        n = sum(int(np.size(a)) for a in self.weights)
        n += 0 if self.biases is None else sum(int(np.size(a)) for a in self.biases)
        if self.velocity is not None:
            n += sum(int(np.size(a)) for a in self.velocity.weights)
            n += 0 if self.velocity.biases is None else sum(int(np.size(a)) for a in self.velocity.biases)
        return n


def fit_checkpoints(
    records,
    step: int,
    max_numbers: int | None = None,
    max_count: int | None = None,
) -> list[SavedCheckpoint]:
    """The checkpoints a session at ``step`` keeps, within ``max_numbers`` numbers and
    ``max_count`` checkpoints: those at or before ``step`` (their runs end there at the
    latest), by step; when they do not fit, the newest always, then the pinned ones (newest
    first: the oldest go when they alone overflow), then the others thinned evenly over
    their range. Nothing when the newest alone is over the budget (a network too large).
    The bounds default to ``limits.MAX_CHECKPOINT_NUMBERS`` and ``limits.MAX_CHECKPOINTS``."""
    max_numbers = limits.MAX_CHECKPOINT_NUMBERS if max_numbers is None else max_numbers
    max_count = limits.MAX_CHECKPOINTS if max_count is None else max_count
    step = int(step)
    by_step: dict[int, SavedCheckpoint] = {}
    for r in records:
        if 0 <= r.step <= step:
            by_step[int(r.step)] = r if r.end <= step else _replace(r, end=step)
    rs = [by_step[k] for k in sorted(by_step)]
    if not rs:
        return []
    keep: set[int] = set()
    used = 0

    def take(i: int) -> bool:
        nonlocal used
        n = rs[i].numbers
        if used + n > max_numbers or len(keep) >= max_count:
            return False
        keep.add(i)
        used += n
        return True

    last = len(rs) - 1
    if not take(last):
        return []
    for i in range(last - 1, -1, -1):
        if rs[i].pinned and not take(i):
            break
    free = [i for i in range(last) if not rs[i].pinned]
    if free:
        room = (max_numbers - used) // max(rs[i].numbers for i in free)
        k = max(0, min(len(free), room, max_count - len(keep)))
        if k == len(free):
            picks = free
        else:  # the nearest to k steps spread evenly between the first and the newest
            first, span = rs[0].step, rs[last].step - rs[0].step
            steps = [rs[i].step for i in free]
            picks = []
            for j in range(1, k + 1):
                t = first + span * j / (k + 1)
                at = bisect.bisect_left(steps, t)
                near = min((x for x in (at - 1, at) if 0 <= x < len(free)), key=lambda x: abs(steps[x] - t))
                picks.append(free[near])
        for i in picks:
            if i not in keep:
                take(i)
    return [rs[i] for i in sorted(keep)]


def _replace(r: SavedCheckpoint, **changes) -> SavedCheckpoint:
    return dataclasses.replace(r, **changes)


@dataclass
class Document:
    """A network with its data and training settings: everything a bpviz/1 file holds."""

    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    learning_rate: float = 0.5
    mode: str = "online"
    batch_size: int | None = None
    shuffle_seed: int | None = None
    title: str = ""
    description: str = ""
    session: dict | None = None
    extra: dict = field(default_factory=dict)  # unknown top-level keys, kept on save
    # data.test: held-out rows, never trained on (shape (0, n_raw) / (0, n_out) when none)
    test_inputs: np.ndarray | None = None
    test_targets: np.ndarray | None = None
    classes: list[str] | None = None  # data.classes: the class names, None when the file names none
    generator: dict | None = None  # data.generator: the (normalised) spec the rows were made from
    momentum: float = 0.0  # α of gradient descent with momentum (bpviz.core.momentum); 0: plain
    velocity: Velocity | None = None  # session.velocity: v with the weights (None: zeros)
    # the file's "init" ({"scheme", "scale", "seed"}, normalised) when it has one: Training →
    # Re-initialise draws with its scheme and a new seed; never written (Save writes weights)
    init: dict | None = None
    # session.checkpoints: the saved run's checkpoints (SavedCheckpoint, by step), written
    # with the session; a copy has none (they belong to the history of this document's
    # weights, which a copy may change)
    checkpoints: tuple[SavedCheckpoint, ...] | None = None

    def __post_init__(self) -> None:
        if self.test_inputs is None:
            self.test_inputs = np.zeros((0, np.shape(self.inputs)[1]))
        if self.test_targets is None:
            self.test_targets = np.zeros((0, np.shape(self.targets)[1]))

    @property
    def speed(self) -> float | str | None:
        """The top-level "speed": training speed in the window, steps per second or "full";
        None when the file has none (the app's lecture speed). The command line ignores it.
        Validated on load and kept with the top-level keys the core carries through without
        using (``extra``), so every copy, edit and save keeps it."""
        v = self.extra.get("speed")
        return v if v is None or v == FULL_SPEED else float(v)

    @speed.setter
    def speed(self, v: float | str | None) -> None:
        if v is None:
            self.extra.pop("speed", None)
        elif v == FULL_SPEED:
            self.extra["speed"] = v
        else:
            f = _number(v, "speed")
            if f <= 0:
                raise ValueError(f"speed: expected a number > 0, got {v!r}")
            self.extra["speed"] = int(f) if f.is_integer() and f < 1e15 else f  # 20, not 20.0

    @property
    def n_samples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_test(self) -> int:
        """The held-out test rows (data.test), 0 when there are none."""
        return int(self.test_inputs.shape[0])

    def copy(self) -> Document:
        return Document(
            self.network.copy(),
            self.inputs.copy(),
            self.targets.copy(),
            self.learning_rate,
            self.mode,
            self.batch_size,
            self.shuffle_seed,
            self.title,
            self.description,
            json.loads(json.dumps(self.session)) if self.session is not None else None,
            json.loads(json.dumps(self.extra)),
            self.test_inputs.copy(),
            self.test_targets.copy(),
            None if self.classes is None else list(self.classes),
            None if self.generator is None else dict(self.generator),
            self.momentum,
            _momentum.copy(self.velocity),
            None if self.init is None else dict(self.init),
        )


# ----------------------------------------------------------------------------------- parse
def loads(text: str, file: str | None = None) -> Document:
    """Parse the text of a bpviz/1 file: the one verdict on a file (every command and the
    window load through here, so a file is accepted or refused the same way everywhere)."""
    try:
        return parse(decode(text))
    except RecursionError:
        raise FormatError("", "nested too deeply", file) from None
    except MemoryError:
        raise FormatError("", "needs more memory than this computer has free", file) from None
    except FormatError as e:
        raise e.with_file(file) if file else e from None


def load(path: str | os.PathLike) -> Document:
    """Read a bpviz/1 file; any problem is a FormatError naming the file and the JSON path.
    Only a regular file is read (symbolic links followed), and at most
    ``limits.MAX_FILE_BYTES`` of it: a folder, a FIFO, a device or a symlink loop is a message."""
    name = os.fsdecode(path)
    try:
        text = read_text(name)
    except MemoryError:
        raise FormatError("", "needs more memory than this computer has free", name) from None
    return loads(text, name)


def _layers(obj: dict) -> tuple[list[str], list[int], list]:
    """The layers' names, sizes and activations, checked against the limits before anything is
    allocated for them."""
    if "layers" not in obj:
        raise FormatError("layers", "missing")
    layers = _list(obj["layers"], "layers")
    if len(layers) < 2:
        raise FormatError("layers", f"expected at least 2 layers, got {len(layers)}")
    if len(layers) > limits.MAX_LAYERS:
        raise FormatError(
            "layers", f"{len(layers):,} layers is more than bpviz handles (at most {limits.MAX_LAYERS})"
        )
    names, sizes, acts = [], [], []
    for k, layer in enumerate(layers):
        p = f"layers[{k}]"
        if not isinstance(layer, dict):
            raise FormatError(p, f"expected an object, got {_show(layer)}")
        for key in layer:
            if key == "shape" and k > 0:
                raise FormatError(f"{p}.shape", "only the input layer (layers[0]) has a shape")
            if key not in ("name", "size", "activation", "shape"):
                raise FormatError(f"{p}.{_key(key)}", "unknown key")
        name = _text(layer.get("name", f"L{k}"), f"{p}.name", limits.MAX_NAME_CHARS)
        if not name:
            raise FormatError(f"{p}.name", "expected a non-empty string")
        if "size" not in layer:
            raise FormatError(f"{p}.size", "missing")
        size = _int(layer["size"], f"{p}.size", 1, "a positive integer")
        if size > limits.MAX_LAYER_SIZE:
            raise FormatError(
                f"{p}.size",
                f"expected at most {limits.MAX_LAYER_SIZE:,} neurons (bpviz's limit for a layer), "
                f"got {limits.count(size)}",
            )
        if k == 0:
            if "activation" in layer:
                raise FormatError(f"{p}.activation", "the input layer has no activation")
        else:
            if "activation" not in layer:
                raise FormatError(f"{p}.activation", "missing")
            acts.append(_activation(layer["activation"], f"{p}.activation"))
        names.append(name)
        sizes.append(size)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise FormatError("layers", f"layer name {_show(dup)} is used twice")
    problem = limits.network_problem(sizes)
    if problem:
        raise FormatError(*problem)
    return names, sizes, acts


def parse(obj: Any) -> Document:
    """Validate a decoded JSON object and build the Document."""
    if not isinstance(obj, dict):
        raise FormatError("", f"expected a JSON object, got {_show(obj)}")
    if "format" not in obj:
        raise FormatError("format", 'missing (expected "bpviz/1")')
    if obj["format"] != FORMAT:
        raise FormatError("format", f'expected "bpviz/1", got {_show(obj["format"])}')
    title = _text(obj.get("title", ""), "title", limits.MAX_TITLE_CHARS)
    description = _text(obj.get("description", ""), "description", limits.MAX_DESCRIPTION_CHARS, True)

    names, sizes, acts = _layers(obj)
    L = len(sizes) - 1
    feats = _feature_names(obj.get("features"), sizes[0])
    n_raw = sizes[0] - len(feats)
    input_shape = _input_shape(obj["layers"][0], n_raw, len(feats))
    data = obj.get("data")
    if isinstance(data, dict) and isinstance(data.get("inputs"), (list, Numbers)):
        problem = limits.data_problem(len(data["inputs"]), sizes)  # before anything is drawn
        if problem:
            raise FormatError(*problem)
        test = data.get("test")
        if isinstance(test, dict) and isinstance(test.get("inputs"), (list, Numbers)):
            problem = limits.test_problem(len(test["inputs"]), sizes)
            if problem:
                raise FormatError(*problem)

    # init, weights, biases
    init = obj.get("init")
    rng = None
    scheme, scale = "uniform", 0.5
    if init is not None:
        if not isinstance(init, dict):
            raise FormatError("init", f"expected an object, got {_show(init)}")
        for key in init:
            if key not in ("scheme", "scale", "seed"):
                raise FormatError(f"init.{_key(key)}", "unknown key")
        scheme = init.get("scheme", "uniform")
        if not isinstance(scheme, str) or scheme not in ("uniform", "xavier"):
            raise FormatError("init.scheme", f'expected "uniform" or "xavier", got {_show(scheme)}')
        if "scale" in init:
            scale = _number(init["scale"], "init.scale")
            if not 0 < scale <= limits.MAX_INIT_SCALE:  # uniform(-a, a) needs 2a finite
                raise FormatError(
                    "init.scale",
                    f"expected a number > 0 and at most {limits.MAX_INIT_SCALE:g}, "
                    f"got {_show(init['scale'])}",
                )
        seed = _int(init.get("seed", 0), "init.seed", 0, "a non-negative integer")
        rng = np.random.default_rng(seed)
        init = {"scheme": scheme, "scale": float(scale), "seed": int(seed)}

    def draw(n_out: int, n_in: int, shape) -> np.ndarray:
        a = scale if scheme == "uniform" else math.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-a, a, shape)

    if "weights" in obj:
        wv = _list(obj["weights"], "weights", L, f"a list of {L} matrices")
        weights = [_matrix(wv[j], f"weights[{j}]", sizes[j + 1], sizes[j]) for j in range(L)]
    elif rng is not None:
        weights = [draw(sizes[j + 1], sizes[j], (sizes[j + 1], sizes[j])) for j in range(L)]
    else:
        raise FormatError("weights", "missing (give weights, or init to draw them)")

    biases = None
    if "biases" in obj and obj["biases"] is not None:
        bv = obj["biases"]
        if isinstance(bv, str) and bv == "init":
            if rng is None:
                raise FormatError("biases", '"init" needs an init object')
            biases = [draw(sizes[j + 1], sizes[j], sizes[j + 1]) for j in range(L)]
        else:
            _list(bv, "biases", L, f'a list of {L} vectors or "init"')
            biases = [_vector(bv[j], f"biases[{j}]", sizes[j + 1]) for j in range(L)]
    train_biases = obj.get("train_biases", True)
    if not isinstance(train_biases, bool):
        raise FormatError("train_biases", f"expected true or false, got {_show(train_biases)}")

    loss_name = obj.get("loss", "half_sse")
    if not isinstance(loss_name, str) or loss_name not in LOSS_NAMES:
        raise FormatError("loss", f"expected one of {', '.join(LOSS_NAMES)}, got {_show(loss_name)}")
    _check_compatible(acts, sizes, loss_name)
    lr = _number(obj.get("learning_rate", 0.5), "learning_rate")
    if lr <= 0:
        raise FormatError("learning_rate", f"expected a number > 0, got {_show(obj['learning_rate'])}")
    alpha = _momentum_value(obj.get("momentum", 0))

    # data
    if "data" not in obj:
        raise FormatError("data", "missing")
    if not isinstance(data, dict):
        raise FormatError("data", f"expected an object, got {_show(data)}")
    for key in data:
        if key not in DATA_KEYS:
            raise FormatError(f"data.{_key(key)}", "unknown key")
    inputs, targets = _rows(data, "data", n_raw, sizes[-1])
    M = len(inputs)
    _check_targets(loss_name, targets, "data")
    test_inputs = test_targets = None
    if "test" in data:
        test = data["test"]
        if not isinstance(test, dict):
            raise FormatError("data.test", f"expected an object with inputs and targets, got {_show(test)}")
        for key in test:
            if key not in ("inputs", "targets"):
                raise FormatError(f"data.test.{_key(key)}", "unknown key")
        test_inputs, test_targets = _rows(test, "data.test", n_raw, sizes[-1])
        _check_targets(loss_name, test_targets, "data.test")
    classes = _classes(data["classes"], sizes[-1]) if "classes" in data else None
    generator = _generator(data["generator"], n_raw, sizes[-1]) if "generator" in data else None

    mode = obj.get("mode", "online")
    if not isinstance(mode, str) or mode not in MODES:
        raise FormatError("mode", f"expected one of {', '.join(MODES)}, got {_show(mode)}")
    batch_size = None
    if "batch_size" in obj and obj["batch_size"] is not None:
        batch_size = _int(obj["batch_size"], "batch_size", 1, "a positive integer")
        if batch_size > M:
            raise FormatError("batch_size", f"expected at most {M} (the number of samples), got {batch_size}")
    if mode == "minibatch" and batch_size is None:
        raise FormatError("batch_size", 'missing (required when mode is "minibatch")')
    shuffle_seed = None
    if "shuffle_seed" in obj and obj["shuffle_seed"] is not None:
        shuffle_seed = _int(obj["shuffle_seed"], "shuffle_seed", 0, "a non-negative integer")

    _speed(obj.get("speed"))  # kept in extra (Document.speed)
    labels = _labels(obj.get("labels"), names, sizes, feats)

    session = obj.get("session")
    if session is not None:
        shuffled = mode == "minibatch" and shuffle_seed is not None
        session = _session(session, M, -(-M // batch_size) if shuffled else None)

    net = Network(
        names, sizes, acts, weights, biases, train_biases, make_loss(loss_name), labels, feats, input_shape
    )
    _check_first_pass(net, inputs, targets)
    if test_inputs is not None:
        _check_first_pass(net, test_inputs, test_targets, "data.test")
    extra = {k: plain(v) for k, v in obj.items() if k not in KNOWN_KEYS}
    velocity = None
    if session is not None and "velocity" in session:
        velocity = _velocity(obj["session"]["velocity"], net)  # checked even where unused:
        velocity = velocity if alpha else None  # α = 0 keeps no velocity (bpviz.core.momentum)
        del session["velocity"]  # kept as Document.velocity (arrays), written back on save
    checkpoints = None
    if session is not None and obj["session"].get("checkpoints") is not None:
        checkpoints = _checkpoints(obj["session"]["checkpoints"], net, session.get("step", 0), M)
    return Document(
        net,
        inputs,
        targets,
        lr,
        mode,
        batch_size,
        shuffle_seed,
        title,
        description,
        session,
        extra,
        test_inputs,
        test_targets,
        classes,
        generator,
        alpha,
        velocity,
        init,
        checkpoints,
    )


def _momentum_value(v: Any) -> float:
    """The top-level "momentum": α, a finite number with 0 ≤ α < 1 (bpviz.core.momentum)."""
    if not _is_number(v):
        raise FormatError("momentum", f"expected a number from 0 up to (not including) 1, got {_show(v)}")
    problem = _momentum.momentum_problem(_number(v, "momentum"))
    if problem:
        raise FormatError("momentum", problem)
    return _momentum.check_momentum(_number(v, "momentum"))


def _velocity(v: Any, net: Network, p: str = "session.velocity") -> Velocity | None:
    """session.velocity (or a checkpoint's, at ``p``): {"weights": [...], "biases": [...]},
    shaped like the network's weights and biases (biases only when the network has them);
    null: none (zeros)."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise FormatError(p, f'expected an object {{"weights": [...], "biases": [...]}}, got {_show(v)}')
    for key in v:
        if key not in ("weights", "biases"):
            raise FormatError(f"{p}.{_key(key)}", "unknown key")
    if "weights" not in v:
        raise FormatError(f"{p}.weights", "missing")
    return Velocity(*_shaped_like(v, net, p))


def _shaped_like(v: dict, net: Network, p: str) -> tuple[tuple, tuple | None]:
    """``v["weights"]`` and ``v["biases"]`` read as arrays shaped like the network's weights
    and biases (a velocity, a checkpoint); FormatError naming the JSON path otherwise."""
    L, sizes = net.L, net.sizes
    wv = _list(v["weights"], f"{p}.weights", L, f"a list of {L} matrices shaped like the weights")
    weights = tuple(_matrix(wv[j], f"{p}.weights[{j}]", sizes[j + 1], sizes[j]) for j in range(L))
    biases = None
    if net.biases is not None:
        if v.get("biases") is None:
            raise FormatError(f"{p}.biases", "missing (the network has biases)")
        bv = _list(v["biases"], f"{p}.biases", L, f"a list of {L} vectors shaped like the biases")
        biases = tuple(_vector(bv[j], f"{p}.biases[{j}]", sizes[j + 1]) for j in range(L))
    elif v.get("biases") is not None:
        raise FormatError(f"{p}.biases", "the network has no biases")
    return weights, biases


def _frozen(arrays) -> tuple:
    out = []
    for a in arrays:
        a = np.array(a, dtype=np.float64)  # (a copy: the file's arrays stay the file's)
        a.flags.writeable = False
        out.append(a)
    return tuple(out)


def _checkpoints(v: Any, net: Network, step: int, n_samples: int) -> tuple[SavedCheckpoint, ...]:
    """session.checkpoints: a list of checkpoints (``SavedCheckpoint``) shaped like the
    network, by ascending step within 0 … session.step, within the limits (counted from the
    shapes before anything is read)."""
    p = "session.checkpoints"
    items = _list(v, p, None, "a list of checkpoints")
    if len(items) > limits.MAX_CHECKPOINTS:
        raise FormatError(
            p, f"{len(items):,} checkpoints is more than bpviz keeps (at most {limits.MAX_CHECKPOINTS:,})"
        )
    sizes = net.sizes
    each = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    if net.biases is not None:
        each += sum(sizes[1:])
    total = 0
    for i, c in enumerate(items):
        if not isinstance(c, dict):
            raise FormatError(f"{p}[{i}]", f"expected an object (a checkpoint), got {_show(c)}")
        total += each * (2 if c.get("velocity") is not None else 1)
    if total > limits.MAX_CHECKPOINT_NUMBERS:
        raise FormatError(
            p,
            f"{len(items):,} checkpoints of {each:,} numbers each (and their velocities) is "
            f"{limits.count(total)} numbers, more than bpviz keeps (at most "
            f"{limits.MAX_CHECKPOINT_NUMBERS:,})",
        )
    out: list[SavedCheckpoint] = []
    for i, c in enumerate(items):
        q = f"{p}[{i}]"
        for key in c:
            if key not in CHECKPOINT_KEYS:
                raise FormatError(f"{q}.{_key(key)}", "unknown key")
        for key in ("step", "weights", "learning_rate", "mode"):
            if key not in c:
                raise FormatError(f"{q}.{key}", "missing")
        at = _int(c["step"], f"{q}.step", 0, "a non-negative integer")
        if at > step:
            raise FormatError(f"{q}.step", f"expected a step at most session.step ({step:,}), got {at:,}")
        if out and at <= out[-1].step:
            raise FormatError(
                f"{q}.step", f"expected a step after the checkpoint before ({out[-1].step:,}), got {at:,}"
            )
        end = _int(c.get("end", step), f"{q}.end", 0, "a non-negative integer")
        if not at <= end <= step:
            raise FormatError(
                f"{q}.end",
                f"expected a step from the checkpoint's ({at:,}) to session.step ({step:,}), got {end:,}",
            )
        pinned = c.get("pinned", False)
        if not isinstance(pinned, bool):
            raise FormatError(f"{q}.pinned", f"expected true or false, got {_show(pinned)}")
        lr = _number(c["learning_rate"], f"{q}.learning_rate")
        if lr <= 0:
            raise FormatError(f"{q}.learning_rate", f"expected a number > 0, got {_show(c['learning_rate'])}")
        alpha = c.get("momentum", 0)
        if not _is_number(alpha):
            raise FormatError(
                f"{q}.momentum", f"expected a number from 0 up to (not including) 1, got {_show(alpha)}"
            )
        alpha = _number(alpha, f"{q}.momentum")
        problem = _momentum.momentum_problem(alpha)
        if problem:
            raise FormatError(f"{q}.momentum", problem)
        mode = c["mode"]
        if not isinstance(mode, str) or mode not in MODES:
            raise FormatError(f"{q}.mode", f"expected one of {', '.join(MODES)}, got {_show(mode)}")
        batch_size = seed = None
        if mode == "minibatch":
            if c.get("batch_size") is None:
                raise FormatError(f"{q}.batch_size", 'missing (required when mode is "minibatch")')
            batch_size = _int(c["batch_size"], f"{q}.batch_size", 1, "a positive integer")
            if batch_size > n_samples:
                raise FormatError(
                    f"{q}.batch_size",
                    f"expected at most {n_samples} (the number of samples), got {batch_size}",
                )
            if c.get("shuffle_seed") is not None:
                seed = _int(c["shuffle_seed"], f"{q}.shuffle_seed", 0, "a non-negative integer")
                draws = limits.replay_draws(at, n_samples, -(-n_samples // batch_size))
                if draws > limits.MAX_REPLAY_DRAWS:
                    raise FormatError(
                        f"{q}.step",
                        f"replaying from step {at:,} would draw the shuffled order of too many epochs "
                        f"again (at most {limits.MAX_REPLAY_DRAWS:,} draws)",
                    )
        path = c.get("path", "numpy")
        if not isinstance(path, str) or path not in TRAINER_PATHS:
            raise FormatError(f"{q}.path", f"expected one of {', '.join(TRAINER_PATHS)}, got {_show(path)}")
        if path == "fast" and not fastpath.supports(net, alpha):
            raise FormatError(
                f"{q}.path",
                "the fast path does not support momentum (α > 0)"
                if alpha
                else "the fast path does not support this network's activations or loss",
            )
        weights, biases = _shaped_like(c, net, q)
        weights = _frozen(weights)
        biases = None if biases is None else _frozen(biases)
        vel = _velocity(c.get("velocity"), net, f"{q}.velocity")
        if vel is not None and alpha:
            vel = Velocity(_frozen(vel.weights), None if vel.biases is None else _frozen(vel.biases))
        else:
            vel = None  # α = 0 keeps no velocity (checked all the same)
        out.append(
            SavedCheckpoint(at, end, weights, biases, vel, lr, alpha, mode, batch_size, seed, path, pinned)
        )
    return tuple(out)


def _checkpoint_json(c: SavedCheckpoint, out) -> dict:
    d: dict[str, Any] = {"step": int(c.step), "end": int(c.end), "pinned": bool(c.pinned)}
    d["learning_rate"] = float(c.learning_rate)
    d["momentum"] = float(c.momentum)
    d["mode"] = c.mode
    if c.mode == "minibatch":
        d["batch_size"] = int(c.batch_size)
        d["shuffle_seed"] = None if c.shuffle_seed is None else int(c.shuffle_seed)
    d["path"] = c.path
    d["weights"] = [out(np.asarray(a, dtype=np.float64)) for a in c.weights]
    if c.biases is not None:
        d["biases"] = [out(np.asarray(a, dtype=np.float64)) for a in c.biases]
    if c.velocity is not None and c.momentum:
        v = c.velocity
        d["velocity"] = {"weights": [out(np.asarray(a, dtype=np.float64)) for a in v.weights]}
        if v.biases is not None:
            d["velocity"]["biases"] = [out(np.asarray(a, dtype=np.float64)) for a in v.biases]
    return d


def _feature_names(v: Any, n_inputs: int) -> tuple[str, ...]:
    """The top-level "features": derived inputs after the raw ones (bpviz.core.features);
    ``layers[0].size`` counts both, so at least one raw input must remain."""
    if v is None:
        return ()
    items = _list(v, "features", None, 'a list of feature names such as ["x1^2", "x1*x2", "sin(x1)"]')
    if len(items) >= n_inputs:
        raise FormatError(
            "features",
            f"{len(items)} derived features leave no raw input: layers[0].size ({n_inputs}) counts the "
            f"raw inputs and the derived features",
        )
    n_raw = n_inputs - len(items)
    out: list[str] = []
    for i, name in enumerate(items):
        p = f"features[{i}]"
        _string(name, p)
        problem = _features.problem(name, n_raw)
        if problem:
            raise FormatError(
                p, f"{problem} (layers[0].size {n_inputs} = {n_raw} raw + {len(items)} derived)"
            )
        if name in out:
            raise FormatError(p, f"{_show(name)} is listed twice")
        out.append(name)
    return tuple(out)


def _input_shape(layer: dict, n_raw: int, n_features: int) -> tuple[int, int] | None:
    """``layers[0].shape``: [rows, columns], the raw inputs read as an image, row by row
    (rows × columns = the raw inputs; derived features are not part of the image)."""
    v = layer.get("shape")
    if v is None:  # absent or null: the inputs are no image
        return None
    v = v.plain() if isinstance(v, Numbers) else v
    what = "a list of 2 positive integers [rows, columns]"
    items = _list(v, "layers[0].shape", None, what)
    if len(items) != 2:
        raise FormatError("layers[0].shape", f"expected {what}, got {_show(v)}")
    rows, cols = (_int(x, f"layers[0].shape[{i}]", 1, "a positive integer") for i, x in enumerate(items))
    if rows * cols != n_raw:
        raw = f"{n_raw} raw inputs" if n_raw != 1 else "1 raw input"
        why = (
            f"layers[0].size {n_raw + n_features} = {raw} + {n_features} derived features, "
            "which are not part of the image"
            if n_features
            else f"layers[0].size is {n_raw}"
        )
        raise FormatError(
            "layers[0].shape",
            f"{rows} × {cols} = {rows * cols:,} pixels, but the input layer has {raw} ({why}): "
            "rows × columns must equal the raw inputs",
        )
    return (rows, cols)


def _check_compatible(acts: list, sizes: list[int], loss_name: str) -> None:
    """Softmax only as the output layer's activation (over ≥ 2 neurons); cross-entropy needs
    softmax outputs, binary cross-entropy sigmoid outputs (functions.compatibility_problem)."""
    L = len(sizes) - 1
    for k in range(1, L + 1):
        problem = compatibility_problem(acts[k - 1].name, None, k == L, sizes[k])
        if problem:
            raise FormatError(f"layers[{k}].activation", problem)
    problem = compatibility_problem(acts[-1].name, loss_name, True, sizes[-1])
    if problem:
        raise FormatError("loss", problem)


def _rows(obj: dict, where: str, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """``obj["inputs"]`` and ``obj["targets"]``: equal numbers (≥ 1) of rows n_in and n_out wide."""
    for key in ("inputs", "targets"):
        if key not in obj:
            raise FormatError(f"{where}.{key}", "missing")
    ins = _list(obj["inputs"], f"{where}.inputs")
    if not len(ins):
        raise FormatError(f"{where}.inputs", "expected at least one sample")
    tgs = _list(obj["targets"], f"{where}.targets")
    if len(tgs) != len(ins):
        raise FormatError(f"{where}.targets", f"expected {len(ins)} rows (one per input), got {len(tgs)}")
    M = len(ins)
    return _matrix(ins, f"{where}.inputs", M, n_in), _matrix(tgs, f"{where}.targets", M, n_out)


def _check_targets(loss_name: str, targets: np.ndarray, where: str) -> None:
    """Cross-entropy's targets are probabilities, binary cross-entropy's within [0, 1]."""
    problem = target_problem(loss_name, targets)
    if problem:
        raise FormatError(f"{where}.targets", problem)


def _classes(v: Any, n_out: int) -> list[str]:
    """data.classes: unique non-empty names, one per output (two for one output: the low
    target's class, then the high one's)."""
    n = 2 if n_out == 1 else n_out
    why = (
        "two names (the class of the low target, then the high one's) for one output"
        if n_out == 1
        else (f"one name per output ({n_out})")
    )
    items = _list(v, "data.classes", None, f"a list of class names: {why}")
    if len(items) != n:
        raise FormatError("data.classes", f"expected {why}, got {len(items)}")
    out: list[str] = []
    for i, name in enumerate(items):
        p = f"data.classes[{i}]"
        name = _text(name, p, limits.MAX_CLASS_CHARS)
        if not name.strip():
            raise FormatError(p, "expected a non-empty name")
        if name in out:
            raise FormatError(p, f"{_show(name)} names another class too")
        out.append(name)
    return out


def _generator(v: Any, n_raw: int, n_out: int) -> dict:
    """data.generator: a spec ``datasets.generate_spec`` makes the rows from, checked and filled
    in (every parameter), for a set that fits the network."""
    try:
        spec = datasets.normalise_spec(v)
    except datasets.GeneratorError as e:
        path = "data.generator" if e.param is None else f"data.generator.{_key(e.param)}"
        raise FormatError(path, e.reason) from None
    problem = datasets.fit_problem(spec, n_raw, n_out)
    if problem:
        raise FormatError("data.generator", problem)
    return spec


def _check_first_pass(net: Network, inputs: np.ndarray, targets: np.ndarray, where: str = "data") -> None:
    """The file's forward pass over all the data must be finite (every net and out), and every
    target small enough that its squared error is (|t| ≤ ``limits.MAX_TARGET``): else the file
    is bad input, for every command and the window alike. An error E that overflows because the
    outputs are huge is the network's doing (a run saved at its last finite weights after it
    diverged): training it diverges at once, exit 3."""
    big = np.abs(targets) > limits.MAX_TARGET
    if big.any():
        i, j = (int(x) for x in np.argwhere(big)[0])
        raise FormatError(
            f"{where}.targets[{i}][{j}]",
            f"expected a target of at most {limits.MAX_TARGET:.0e} in size (so that its squared error "
            f"is finite), got {float(targets[i, j])!r}".replace("e+", "e"),
        )
    sizes = net.sizes
    rows = max(1, (1 << 20) // max(1, sum(sizes)))  # ~8 MB per array of the pass
    with np.errstate(all="ignore"):
        for a in range(0, inputs.shape[0], rows):
            p = net.forward(inputs[a : a + rows])
            for k in range(1, len(sizes)):
                for what, arr in (("net", p.net[k]), ("out", p.out[k])):
                    ok = np.isfinite(arr).all(axis=1)
                    if not ok.all():
                        i = int(np.flatnonzero(~ok)[0])
                        j = int(np.flatnonzero(~np.isfinite(arr[i]))[0])
                        label = net.labels.neurons[k][j]
                        raise FormatError(
                            f"{where}.inputs[{a + i}]",
                            f"the forward pass from the file's weights is not finite ({what}_{label} = "
                            f"{arr[i, j]}): the weights, biases or inputs are too large",
                        )


def _speed(v: Any) -> float | str | None:
    """The top-level "speed": steps per second (a finite number > 0) or "full"."""
    if v is None or v == FULL_SPEED:
        return v
    what = f'steps per second (a number > 0) or "{FULL_SPEED}"'
    if not _is_number(v):
        raise FormatError("speed", f"expected {what}, got {_show(v)}")
    f = _number(v, "speed")
    if f <= 0:
        raise FormatError("speed", f"expected {what}, got {_show(v)}")
    return f


def _labels(v: Any, names: list[str], sizes: list[int], feats: tuple[str, ...] = ()) -> Labels:
    lab = Labels.default(names, sizes)
    if feats:  # derived input neurons: "x1²", "x1·x2", "sin x1" (features.label)
        n_raw = sizes[0] - len(feats)
        raw = lab.neurons[0][:n_raw]
        lab.neurons[0][n_raw:] = [_features.label(f, raw) for f in feats]
        lab = Labels.from_neurons(lab.neurons, sizes)
    if v is None:
        return lab
    if not isinstance(v, dict):
        raise FormatError("labels", f"expected an object, got {_show(v)}")
    for key in v:
        if key not in ("neurons", "weights", "biases"):
            raise FormatError(f"labels.{_key(key)}", "unknown key")
    L = len(sizes) - 1
    if "neurons" in v:
        nv = _list(v["neurons"], "labels.neurons", L + 1)
        lab.neurons = [
            [
                _text(s, f"labels.neurons[{k}][{i}]", limits.MAX_LABEL_CHARS)
                for i, s in enumerate(_list(nv[k], f"labels.neurons[{k}]", sizes[k]))
            ]
            for k in range(L + 1)
        ]
        if "weights" not in v or "biases" not in v:  # defaults follow the neuron names
            base = Labels.from_neurons(lab.neurons, sizes)
            lab.weights, lab.biases = base.weights, base.biases
    if "weights" in v:
        wv = _list(v["weights"], "labels.weights", L)
        lab.weights = []
        for j in range(L):
            rows = _list(wv[j], f"labels.weights[{j}]", sizes[j + 1])
            lab.weights.append(
                [
                    [
                        _text(s, f"labels.weights[{j}][{r}][{c}]", limits.MAX_PARAM_LABEL_CHARS)
                        for c, s in enumerate(_list(rows[r], f"labels.weights[{j}][{r}]", sizes[j]))
                    ]
                    for r in range(sizes[j + 1])
                ]
            )
    if "biases" in v:
        bv = _list(v["biases"], "labels.biases", L)
        lab.biases = [
            [
                _text(s, f"labels.biases[{j}][{i}]", limits.MAX_PARAM_LABEL_CHARS)
                for i, s in enumerate(_list(bv[j], f"labels.biases[{j}]", sizes[j + 1]))
            ]
            for j in range(L)
        ]
    return lab


def _session(v: Any, n_samples: int, shuffled_epoch: int | None) -> dict:
    """The saved session, within the limits: a step the window can resume at without
    replaying it (``shuffled_epoch``: the steps of an epoch when minibatches are shuffled,
    whose orders are drawn again up to the step) and a history it can hold."""
    if not isinstance(v, dict):
        raise FormatError("session", f"expected an object, got {_show(v)}")
    out = {k: plain(x) for k, x in v.items() if k != "checkpoints"}  # (read with the network)
    step = 0
    if "step" in v:
        step = out["step"] = _int(v["step"], "session.step", 0, "a non-negative integer")
        if step > limits.MAX_SESSION_STEP:
            raise FormatError(
                "session.step",
                f"expected at most {limits.MAX_SESSION_STEP:,} steps (bpviz's limit), got {_show(step)}",
            )
    if "phase" in v:
        out["phase"] = _int(v["phase"], "session.phase", 0, "a non-negative integer")
    n_hist = 0
    if "error_history" in v:
        hist = _list(v["error_history"], "session.error_history")
        n_hist = len(hist)
        if n_hist > limits.MAX_HISTORY:
            raise FormatError(
                "session.error_history",
                f"{n_hist:,} errors is more than bpviz keeps (at most {limits.MAX_HISTORY:,})",
            )
        if isinstance(hist, Numbers) and hist.array.ndim == 1:
            out["error_history"] = hist.array.tolist()
        else:
            out["error_history"] = [_number(x, f"session.error_history[{i}]") for i, x in enumerate(hist)]
    if shuffled_epoch is not None:
        draws = limits.replay_draws(step, n_samples, shuffled_epoch)
        if draws > limits.MAX_REPLAY_DRAWS:
            epochs = step // shuffled_epoch
            raise FormatError(
                "session.step",
                f"resuming at step {step:,} would draw the shuffled order of {epochs:,} epochs again, "
                f"more than bpviz does (at most {limits.MAX_REPLAY_DRAWS:,} draws: epochs × "
                f"(samples + {limits.REPLAY_DRAW_COST}))",
            )
    if v.get("stop_error") is not None:  # the window's stop threshold; null: no stop
        e = _number(v["stop_error"], "session.stop_error")
        if e <= 0:
            raise FormatError(
                "session.stop_error", f"expected a number > 0 or null, got {_show(v['stop_error'])}"
            )
        out["stop_error"] = e
    return out


# ----------------------------------------------------------------------------------- save
def session_record(step: int, phase: int, error_history, stop_error: float | None) -> dict:
    """The "session" object of a bpviz/1 file: where the window stands (``step`` updates
    applied, ``phase`` shown), the errors of steps 1 … step and the training dock's stop
    threshold (None: no stop). ``error_history`` may run ahead of ``step`` (while training):
    only its first ``step`` values are kept, and a history with a gap (a value that is not
    finite) keeps the part before it, never shifted; at most ``limits.MAX_HISTORY`` errors
    are kept (steps 1 … 10,000,000: the loader's limit, so the file opens again)."""
    errs = np.asarray(error_history[: min(int(step), limits.MAX_HISTORY)], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(errs))
    if len(bad):
        errs = errs[: bad[0]]
    return {"step": int(step), "phase": int(phase), "error_history": errs.tolist(), "stop_error": stop_error}


def to_json(doc: Document) -> dict:
    """The bpviz/1 object for a Document: explicit weights (and biases), never ``init``."""
    return _to_json(doc, arrays=False)


def _to_json(doc: Document, arrays: bool) -> dict:
    """``arrays``: weights, biases and data stay numpy arrays (``dumps`` writes them a row at a
    time, never as one big list of Python floats)."""

    def out(a: np.ndarray):
        return a if arrays else a.tolist()

    net = doc.network
    obj: dict[str, Any] = {"format": FORMAT, "title": doc.title}
    if doc.description:
        obj["description"] = doc.description
    layers: list[dict[str, Any]] = [{"name": net.names[0], "size": net.sizes[0]}]
    if net.input_shape is not None:
        layers[0]["shape"] = [int(n) for n in net.input_shape]
    for k in range(1, len(net.sizes)):
        layers.append(
            {"name": net.names[k], "size": net.sizes[k], "activation": net.activations[k - 1].to_json()}
        )
    obj["layers"] = layers
    if net.features:
        obj["features"] = list(net.features)
    obj["weights"] = [out(w) for w in net.weights]
    if net.biases is not None:
        obj["biases"] = [out(b) for b in net.biases]
    obj["train_biases"] = net.train_biases
    obj["loss"] = net.loss.name
    obj["learning_rate"] = doc.learning_rate
    if doc.momentum:  # written only when used, so a file without momentum saves as before
        obj["momentum"] = doc.momentum
    obj["mode"] = doc.mode
    if doc.batch_size is not None:
        obj["batch_size"] = doc.batch_size
    if doc.shuffle_seed is not None:
        obj["shuffle_seed"] = doc.shuffle_seed
    data: dict[str, Any] = {"inputs": out(doc.inputs), "targets": out(doc.targets)}
    if doc.classes is not None:
        data["classes"] = list(doc.classes)
    if doc.n_test:
        data["test"] = {"inputs": out(doc.test_inputs), "targets": out(doc.test_targets)}
    if doc.generator is not None:
        data["generator"] = dict(doc.generator)
    obj["data"] = data
    lab = net.labels
    obj["labels"] = {"neurons": lab.neurons, "weights": lab.weights, "biases": lab.biases}
    if doc.session is not None:
        obj["session"] = doc.session
    if doc.velocity is not None:
        vel = doc.velocity
        obj["session"] = dict(doc.session or {})
        obj["session"]["velocity"] = {
            "weights": [out(a) for a in vel.weights],
            **({} if vel.biases is None else {"biases": [out(a) for a in vel.biases]}),
        }
    if doc.session is not None and doc.checkpoints:
        step = doc.session.get("step", 0)
        kept = fit_checkpoints(doc.checkpoints, step if isinstance(step, int) else 0)
        if kept:  # (within the loader's limit, so the file opens again)
            obj["session"] = dict(obj["session"])
            obj["session"]["checkpoints"] = [_checkpoint_json(c, out) for c in kept]
    for k, v in doc.extra.items():
        if k not in obj:
            obj[k] = v
    return obj


_SCALARS = (str, int, float, bool, type(None))


def dumps(doc: Document) -> str:
    """The text of a bpviz/1 file: indented JSON with each row of numbers or labels on one line
    (a data set's file is half the size it would be with one number per line)."""
    obj = _to_json(doc, arrays=True)
    token = secrets.token_hex(6)
    rows: list[Any] = []

    def mark(v: Any) -> Any:
        """Put a placeholder in place of each row (a list of plain values)."""
        if isinstance(v, np.ndarray):
            if v.ndim == 1:
                rows.append(v)
                return f"\x00row:{token}:{len(rows) - 1}"
            return [mark(r) for r in v]
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            if v and all(isinstance(x, _SCALARS) for x in v):
                rows.append(v)
                return f"\x00row:{token}:{len(rows) - 1}"
            return [mark(x) for x in v]
        return v

    marked = mark(obj)
    pattern = re.compile(r'"\\u0000row:' + token + r':(\d+)"')

    def write(ascii_only: bool) -> str:
        text = json.dumps(marked, indent=2, ensure_ascii=ascii_only, allow_nan=False)

        def row(m: re.Match) -> str:
            r = rows[int(m.group(1))]
            return json.dumps(
                r.tolist() if isinstance(r, np.ndarray) else r, ensure_ascii=ascii_only, allow_nan=False
            )

        return pattern.sub(row, text) + "\n"

    text = write(False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a document not from a file): keep it escaped
        text = write(True)
    return text


def save(doc: Document, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the same folder, then rename over the target."""
    text = dumps(doc)  # fails before anything is written if a value is not finite
    write_atomic(path, text)
