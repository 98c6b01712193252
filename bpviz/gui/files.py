"""The window's file commands: open (a file, a built-in example, a recent file), save, save
as, the "save changes?" question before work is lost, the Open Recent menu and the window's
title (the file's name, marked while modified).

What a saved file holds is the core's: :func:`session_document` gathers the network, its data
and settings and the session's progress (:func:`bpviz.core.fileformat.session_record`),
:func:`bpviz.core.fileformat.dumps` writes it as bpviz/1 and :func:`bpviz.core.atomic.write_atomic`
puts it in place atomically, through a symbolic link to its target; a read-only file is replaced
only after the user says so.

Opening never loses the network on screen: whatever stops a file (the loader's FormatError, an
OSError, a network too big for memory) is one message in a dialog, and the current network stays.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from bpviz.core import atomic, fileformat, limits
from bpviz.core.fileformat import Document, FormatError
from bpviz.core.presets import PRESETS, load_preset
from bpviz.gui.plain_text import MAX_NAME, ask, auto, displayable, menu_text, warn

__all__ = ["FileCommands", "session_document", "with_extension", "open_problem", "MAX_RECENT"]

MAX_RECENT = 8
OPEN_FILTER = "bpviz networks (*.bpviz.json *.json);;All (*)"
SAVE_FILTER = "bpviz networks (*.bpviz.json)"


def with_extension(path: str) -> str:
    """A path typed without the format's extension gets ``.bpviz.json`` (``lesson`` →
    ``lesson.bpviz.json``); one ending in ``.json`` is kept as typed."""
    return path if path.lower().endswith(".json") else path + ".bpviz.json"


def session_document(session, checkpoints=()) -> Document:
    """What Save writes: the network with its current weights, its data and settings, the
    session's progress (step, phase, error history, stop threshold), the training speed and
    the run's ``checkpoints`` (``SavedCheckpoint``: the training controller's
    ``saved_checkpoints``; at most ``limits.MAX_CHECKPOINT_NUMBERS`` numbers are written)."""
    doc = session.current_document()
    net = doc.network
    shapes = (
        [np.shape(w) for w in net.weights],
        (None if net.biases is None else [np.shape(b) for b in net.biases]),
    )
    fits = all(
        ([np.shape(w) for w in c.weights], None if c.biases is None else [np.shape(b) for b in c.biases])
        == shapes
        for c in checkpoints
    )
    doc.checkpoints = tuple(checkpoints) if fits and checkpoints else None
    # the errors of steps 1 … step: while training the history may run ahead of the weights
    doc.session = fileformat.session_record(
        session.step,
        session.phase_index,
        session.history.errors_to(min(session.step, limits.MAX_HISTORY)),
        session.stop_error,
    )
    doc.speed = fileformat.FULL_SPEED if session.speed is None else session.speed
    return doc


def open_problem(path: str, error: BaseException) -> str:
    """One line saying why ``path`` did not open: the loader's own message (it names the file
    and the JSON path), an OSError's reason, or what ran out."""
    if isinstance(error, FormatError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{path}: the network and its data do not fit in this computer's memory"
    if isinstance(error, RecursionError):
        return f"{path}: the file is nested too deeply to read"
    if isinstance(error, OSError):
        return f"{path}: {error.strerror or error}"
    return f"{path}: cannot be opened ({type(error).__name__}: {error})"


def check_opens(doc: Document, source: str) -> None:
    """Build what the window builds for ``doc`` (its first iteration's phases and values) in a
    session of its own, so a document that cannot be shown fails here, before the window's
    network is replaced."""
    from bpviz.gui.session import Session

    s = Session(doc, source)
    s.deleteLater()


class FileCommands:
    """File → New is the window's; Open, Open Recent, Save and Save As are these. ``window``
    gives the session, its settings, the status bar, the phase player and the toolbar."""

    def __init__(self, window) -> None:
        self.window = window
        self.session = window.session
        self.settings = window.settings
        self.recent_menu: QMenu | None = None

    # -- opening ------------------------------------------------------------------------------
    def open_preset(self, name: str) -> None:
        w = self.window
        if not self.maybe_save():
            w.toolbar.show_document()  # put the example chooser back
            return
        w.player.stop()
        self.session.load(load_preset(name), name)

    def open_path(self, path: str) -> bool:
        """Open a file; on any problem show one message in a dialog and keep the current
        network (a file the loader refuses, a folder, a pipe, a network too big to build)."""
        path = str(path)
        try:
            doc = fileformat.load(path)
            check_opens(doc, path)
        except Exception as e:  # noqa: BLE001 - every reason is one message, never a traceback
            warn(self.window, "Cannot open the network", open_problem(path, e))
            return False
        if not self.maybe_save():
            return False
        self.window.player.stop()
        self.session.load(doc, path)
        self._add_recent(path)
        return True

    def open_dialog(self) -> None:
        start = self.settings.value("files/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self.window, "Open network", start, OPEN_FILTER)
        if path:
            self.settings.setValue("files/last_dir", str(Path(path).parent))
            self.open_path(path)

    # -- saving -------------------------------------------------------------------------------
    def save_as_dialog(self) -> bool:
        """Ask for a file name and save; False when the user cancels or the save fails."""
        start = self.settings.value("files/last_dir", str(Path.home()))
        base = self.session.source if self.session.source in PRESETS else "network"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save network as", str(Path(start) / f"{base}.bpviz.json"), SAVE_FILTER
        )
        return bool(path) and self.save_to(with_extension(path))

    def save_to(self, path: str) -> bool:
        """Write the session as bpviz/1 (atomically: a failed save keeps the old file; a
        symbolic link's target is replaced and the link kept). A read-only file is replaced
        only if the user says so. False when nothing was written."""
        s, w = self.session, self.window
        path = str(path)
        viewed = s.viewing
        if viewed is not None:  # a past step on screen: the file keeps the live run, all of it
            training = getattr(w, "training", None)
            (training.back_to_live if training is not None else s.back_to_live)()
        replace_read_only = atomic.is_read_only(path)
        if replace_read_only and not self._replace_read_only(path):
            w.statusBar().showMessage(f"Not saved: {path} is read-only", 6000)
            return False
        training = getattr(w, "training", None)
        checkpoints = training.saved_checkpoints() if training is not None else ()
        try:
            text = fileformat.dumps(session_document(s, checkpoints or ()))
            atomic.write_atomic(path, text, replace_read_only=replace_read_only)
        except (OSError, ValueError, MemoryError) as e:
            why = (
                (getattr(e, "strerror", None) or str(e))
                if not isinstance(e, MemoryError)
                else "out of memory"
            )
            warn(w, "Cannot save", f"{path}: {why}")
            return False
        s.mark_saved(path)
        self._add_recent(path)
        self.update_title()
        if viewed is not None:
            w.statusBar().showMessage(
                f"Saved {path}: the live network at step {s.step:,} "
                f"(back from step {viewed:,}, which a save does not keep)",
                8000,
            )
        elif checkpoints is None:
            w.statusBar().showMessage(
                f"Saved {path}, without the run's checkpoints: the training process did not answer "
                "in time, so the reopened session scrubs only the steps it trains again",
                8000,
            )
        else:
            w.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _replace_read_only(self, path: str) -> bool:
        """Ask before a read-only file is replaced (editors do); True to replace it."""
        B = QMessageBox.StandardButton
        target = atomic.write_target(path) if os.path.islink(path) else None
        where = f" (through the link, {target})" if target is not None else ""
        answer = ask(
            self.window,
            "Replace a read-only file?",
            f"{path}{where} is read-only. Replace it with this network anyway?",
            B.Yes | B.No,
            B.No,
        )
        return answer == B.Yes

    def save(self) -> bool:
        """Save to the file the network came from; a built-in example or an untitled network
        asks for a name."""
        s = self.session
        if s.source in PRESETS or not s.source or not Path(s.source).suffix:
            return self.save_as_dialog()
        return self.save_to(s.source)

    def maybe_save(self) -> bool:
        """Ask before unsaved work is lost; False means the user cancelled."""
        if not self.session.modified:
            return True
        B = QMessageBox.StandardButton
        answer = ask(
            self.window,
            "Unsaved changes",
            "The network has changes that are not saved (edits or training). Save them?",
            B.Save | B.Discard | B.Cancel,
            B.Save,
        )
        if answer == B.Save:
            return self.save()
        return answer == B.Discard

    # -- the title ----------------------------------------------------------------------------
    def update_title(self, *_a) -> None:
        """``name[*] — title — bpviz``; the [*] shows while the network is modified."""
        s, w = self.session, self.window
        w.setWindowModified(s.modified)
        name = s.source if s.source in PRESETS else (Path(s.source).name or "untitled")
        # "[*]" is Qt's marker for the modified star: one in a name or title is shown as is
        name = displayable(name, MAX_NAME).replace("[*]", "[*][*]")
        title = displayable(s.doc.title, MAX_NAME).replace("[*]", "[*][*]")
        w.setWindowTitle(f"{name}[*] — {title} — bpviz" if title else f"{name}[*] — bpviz")

    # -- Open Recent --------------------------------------------------------------------------
    def attach_recent_menu(self, menu: QMenu) -> None:
        self.recent_menu = menu
        self._fill_recent()

    def recent(self) -> list[str]:
        """The recently opened or saved files, newest first."""
        v = self.settings.value("files/recent", "[]")
        try:
            out = json.loads(v) if isinstance(v, str) else list(v)
        except ValueError:
            out = []
        return [p for p in out if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        path = os.path.abspath(path)  # a link keeps its own name (its target is what Save writes)
        rec = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("files/recent", json.dumps(rec[:MAX_RECENT]))
        self._fill_recent()

    def _fill_recent(self) -> None:
        if self.recent_menu is None:
            return
        self.recent_menu.clear()
        rec = self.recent()
        for p in rec:
            a = self.recent_menu.addAction(menu_text(Path(p).name))
            a.setToolTip(auto(p))
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(rec))
