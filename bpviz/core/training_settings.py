"""How a training run is set up, as one typed value, and the one rule for which settings are
valid.

``TrainingSettings`` is what travels from the window to the training engine: the document's
settings (learning rate η, momentum α, mode, batch size, shuffle seed), the window's (speed, stop
threshold: saved with a session, never undoable edits) and a run's limits (a step count, a
target error). It is frozen: a change is a new value (``dataclasses.replace``).

``check_learning_rate`` / ``read_learning_rate``, ``check_momentum`` / ``read_momentum``,
``check_mode`` and the checks in
``TrainingSettings`` are the one place these rules live: the session's setters, the Training
dock and the network dialog ask here, so a value one accepts the others accept too."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bpviz.core.fileformat import MODES, Document
from bpviz.core.momentum import check_momentum
from bpviz.core.numbers import read_number

__all__ = [
    "TrainingSettings",
    "MODES",
    "check_learning_rate",
    "read_learning_rate",
    "check_momentum",
    "read_momentum",
    "check_mode",
    "check_speed",
    "check_stop_error",
]


def check_learning_rate(value: float) -> float:
    """η as a float: a finite number greater than 0, else ValueError with the reason."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a finite number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {value!r}")
    if v <= 0:
        raise ValueError(f"the learning rate must be greater than 0, got {v:g}")
    return v


def read_learning_rate(text: str, decimal_comma: bool = False) -> float:
    """η as someone typed it (``core.numbers.read_number``'s rule), checked: a finite number
    greater than 0, else ValueError with the reason."""
    return check_learning_rate(read_number(text, decimal_comma))


def read_momentum(text: str, decimal_comma: bool = False) -> float:
    """α as someone typed it (``core.numbers.read_number``'s rule), checked: a finite number
    with 0 ≤ α < 1, else ValueError with the reason (``bpviz.core.momentum.check_momentum``)."""
    return check_momentum(read_number(text, decimal_comma))


def check_mode(mode: str, batch_size: int | None, n_samples: int) -> tuple[str, int | None]:
    """(mode, batch size) for ``n_samples`` samples: one of MODES; minibatch needs a whole
    batch size from 1 to n_samples, the other modes keep none. ValueError with the reason."""
    if mode not in MODES:
        raise ValueError(f"expected one of {', '.join(MODES)}, got {mode!r}")
    if mode != "minibatch":
        return mode, None
    if batch_size is None:
        raise ValueError("minibatch mode needs a batch size")
    if isinstance(batch_size, bool) or not float(batch_size).is_integer() or batch_size < 1:
        raise ValueError(f"expected a positive whole number, got {batch_size!r}")
    if batch_size > n_samples:
        raise ValueError(f"at most {n_samples} (the number of samples), got {batch_size}")
    return mode, int(batch_size)


def _positive_or_none(v: float | None, what: str) -> float | None:
    if v is None:
        return None
    f = float(v)
    if not (math.isfinite(f) and f > 0):
        raise ValueError(f"{what}: expected a number > 0 or None, got {v!r}")
    return f


def check_speed(steps_per_second: float | None) -> float | None:
    """Training speed: steps per second > 0, or None for full speed."""
    return _positive_or_none(steps_per_second, "speed")


def check_stop_error(threshold: float | None) -> float | None:
    """The stop threshold: a number > 0, or None for no stop."""
    return _positive_or_none(threshold, "stop_error")


@dataclass(frozen=True)
class TrainingSettings:
    """Everything a run needs besides the network and the data. Invalid values raise
    ValueError when the object is made, so an engine never sees one."""

    learning_rate: float
    mode: str = "online"
    batch_size: int | None = None  # minibatch mode's batch size
    shuffle_seed: int | None = None  # minibatch mode: each epoch's order (None: in order)
    speed: float | None = None  # steps per second; None: full speed
    stop_error: float | None = None  # stop once E of all samples is below it (None: never)
    max_steps: int | None = None  # the step count a run stops at (None: no limit)
    target_error: float | None = None  # stop after a step whose own error is ≤ it
    momentum: float = 0.0  # α: v ← α·v + ∂E/∂w, w ← w − η·v (bpviz.core.momentum); 0: plain

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "learning_rate", check_learning_rate(self.learning_rate))
        try:
            set_(self, "momentum", check_momentum(self.momentum))
        except ValueError as e:
            raise ValueError(f"momentum: {e}") from None
        if self.mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {self.mode!r}")
        if self.mode == "minibatch" and (self.batch_size is None or self.batch_size < 1):
            raise ValueError(f"batch_size: minibatch mode needs a batch size ≥ 1, got {self.batch_size!r}")
        set_(self, "speed", check_speed(self.speed))
        set_(self, "stop_error", check_stop_error(self.stop_error))
        if self.max_steps is not None and self.max_steps < 0:
            raise ValueError(f"max_steps: expected a step count ≥ 0, got {self.max_steps!r}")

    @classmethod
    def of(cls, doc: Document, **window) -> TrainingSettings:
        """The document's settings (η, α, mode, batch size, seed), with the window's and the
        run's (speed, stop_error, max_steps, target_error) as keywords."""
        window.setdefault("momentum", doc.momentum)
        return cls(doc.learning_rate, doc.mode, doc.batch_size, doc.shuffle_seed, **window)

    @property
    def schedule(self) -> tuple[str, int | None, int | None]:
        """(mode, batch size, shuffle seed): what decides which samples each step uses."""
        return self.mode, self.batch_size, self.shuffle_seed
