"""The session's undoable edits, as QUndoCommands on ``Session.undo_stack``: a weight or bias,
the data, the whole document (the network dialog, Data → Generate) and the training settings
(η, mode, batch size; the momentum α with the velocity it leaves). Each keeps the old and the
new value and asks the session to apply one of them.

:func:`push_data` is how the data editor applies a table: the training rows and the test rows
(``data.test``) as one step. The class names stay; the generator spec (``data.generator``) is
dropped, since rows edited by hand no longer come from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from bpviz.gui.session import Session

__all__ = [
    "EditParameter",
    "SetData",
    "ReplaceDocument",
    "SetSettings",
    "SetMomentum",
    "push_data",
    "data_problem",
]


class EditParameter(QUndoCommand):
    def __init__(self, session: Session, kind: str, index: tuple, old: float, new: float):
        lab = session.network.labels
        name = lab.weights[index[0]][index[1]][index[2]] if kind == "edge" else lab.biases[index[0]][index[1]]
        super().__init__(f"Set {name} to {new:g}")
        self.s, self.kind, self.index, self.old, self.new = session, kind, index, old, new

    def redo(self) -> None:
        self.s._set_parameter(self.kind, self.index, self.new)

    def undo(self) -> None:
        self.s._set_parameter(self.kind, self.index, self.old)


def _rows(a, width: int) -> np.ndarray:
    a = np.array(a, dtype=float)
    return a.reshape(0, width) if a.size == 0 else np.array(a, ndmin=2)


class SetData(QUndoCommand):
    """New samples. ``old`` and ``new`` are (inputs, targets), or (inputs, targets,
    test_inputs, test_targets) to change the test rows too (else they stay). The generator
    spec is dropped by the edit and comes back with undo, as does a batch size the smaller
    data set cut down; the class names stay."""

    def __init__(self, session: Session, old, new, text: str = "Change the data"):
        super().__init__(text)
        d = session.doc
        self.s = session
        self.old = tuple(old[:2])
        self.new = tuple(new[:2])
        test = (d.test_inputs.copy(), d.test_targets.copy())
        self.old_test = tuple(old[2:4]) if len(old) >= 4 else test
        self.new_test = tuple(new[2:4]) if len(new) >= 4 else test
        self.old_generator = None if d.generator is None else dict(d.generator)
        self.old_batch = d.batch_size

    def redo(self) -> None:
        d = self.s.doc
        d.test_inputs, d.test_targets = (a.copy() for a in self.new_test)
        d.generator = None
        self.s._apply_data(*self.new)

    def undo(self) -> None:
        d = self.s.doc
        d.test_inputs, d.test_targets = (a.copy() for a in self.old_test)
        d.generator = None if self.old_generator is None else dict(self.old_generator)
        d.batch_size = self.old_batch
        self.s._apply_data(*self.old)


def data_problem(network, inputs, targets, test_inputs=None, test_targets=None) -> str | None:
    """Why these rows cannot be the network's data (None: they can): at least one training
    row, rows of the raw inputs (derived features are computed) and of the outputs, every
    value a finite number."""
    n_raw = int(network.n_raw)
    n_out = network.sizes[-1]
    sets = [(inputs, targets, "")]
    if test_inputs is not None:
        sets.append((test_inputs, test_targets, "test "))
    for X, T, what in sets:
        if X.shape[0] != T.shape[0]:
            return f"expected one {what}target row per {what}input row"
        if X.shape[1] != n_raw or T.shape[1] != n_out:
            return f"expected {what}rows of {n_raw} inputs and {n_out} targets, one row per sample"
        if not (np.isfinite(X).all() and np.isfinite(T).all()):
            return "every input and target must be a finite number"
    if inputs.shape[0] < 1:
        return "a data set needs at least one sample to train on"
    return None


def push_data(session: Session, inputs, targets, text: str, test=None) -> None:
    """Apply new rows as one undoable step (``test``: (test_inputs, test_targets), else the
    test rows stay). ValueError (with a sentence) for rows that do not fit the network."""
    net = session.network
    n_raw = int(net.n_raw)
    X, T = _rows(inputs, n_raw), _rows(targets, net.sizes[-1])
    Xt = Tt = None
    if test is not None:
        Xt, Tt = _rows(test[0], n_raw), _rows(test[1], net.sizes[-1])
    problem = data_problem(net, X, T, Xt, Tt)
    if problem:
        raise ValueError(problem)
    d = session.doc
    old = (d.inputs.copy(), d.targets.copy())
    new = (X, T) if test is None else (X, T, Xt, Tt)
    session.undo_stack.push(SetData(session, old, new, text))


class ReplaceDocument(QUndoCommand):
    def __init__(self, session: Session, old: tuple, new: tuple, text: str):
        super().__init__(text)
        self.s, self.old, self.new = session, old, new

    def redo(self) -> None:
        self.s._apply_document(self.new)

    def undo(self) -> None:
        self.s._apply_document(self.old)


class SetSettings(QUndoCommand):
    """η, mode and batch size as one undoable setting: old and new are (η, mode, batch)."""

    def __init__(self, session: Session, old: tuple, new: tuple, text: str):
        super().__init__(text)
        self.s, self.old, self.new = session, old, new

    def redo(self) -> None:
        self.s._apply_settings(*self.new)

    def undo(self) -> None:
        self.s._apply_settings(*self.old)


class SetMomentum(QUndoCommand):
    """The momentum α as one undoable setting: old and new are (α, velocity). α = 0 keeps no
    velocity (bpviz.core.momentum), so setting it drops v; undo brings v back with the old α."""

    def __init__(self, session: Session, old: tuple, new: tuple, text: str):
        super().__init__(text)
        self.s, self.old, self.new = session, old, new

    def redo(self) -> None:
        self.s._apply_momentum(*self.new)

    def undo(self) -> None:
        self.s._apply_momentum(*self.old)
