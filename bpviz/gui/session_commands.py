"""The session's undoable edits, as QUndoCommands on ``Session.undo_stack``: a weight or bias,
the data, the whole document (the network dialog) and the training settings (η, mode, batch
size). Each keeps the old and the new value and asks the session to apply one of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from bpviz.gui.session import Session

__all__ = ["EditParameter", "SetData", "ReplaceDocument", "SetSettings"]


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


class SetData(QUndoCommand):
    def __init__(self, session: Session, old, new, text: str = "Change the data"):
        super().__init__(text)
        self.s, self.old, self.new = session, old, new

    def redo(self) -> None:
        self.s._apply_data(*self.new)

    def undo(self) -> None:
        self.s._apply_data(*self.old)


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
