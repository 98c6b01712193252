"""The File menu's exports: an image of the canvas, the error plot or the window (PNG or SVG),
the canvas to the clipboard, numbered quick exports while stepping, the worked example
(Markdown, HTML or LaTeX, with the canvas at each phase if asked) and the error history as
CSV. This module asks the questions (file dialogs, message boxes) and draws the images; what
is written comes from :mod:`bpviz.gui.export` (images), :mod:`bpviz.core.teach` (the worked
example and its figures) and :mod:`bpviz.core.history_csv`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from bpviz.gui.plain_text import warn

if TYPE_CHECKING:
    from bpviz.core.teach.phase_figures import PhaseFigure

# The writers (images, SVG, the worked example, CSV) are imported by the command that uses
# them, not with the window: the window's first paint does not wait for them (issue 12).

__all__ = ["ExportCommands"]

WORKED_EXAMPLE_FILTER = "HTML, self-contained (*.html);;Markdown with LaTeX maths (*.md);;LaTeX (*.tex)"


class ExportCommands:
    """The export actions of a window that has ``session``, ``settings``, ``canvas`` and
    ``plot``; the folders chosen are remembered in the settings."""

    def __init__(self, window) -> None:
        self.window = window
        self.session = window.session
        self.settings = window.settings

    def _export_dir(self) -> Path:
        return Path(self.settings.value("files/export_dir", str(Path.home())))

    def _done(self, message: str, ms: int = 4000) -> None:
        self.window.statusBar().showMessage(message, ms)

    # -- images -------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        """File → Export image…: what (canvas, plot, window), PNG or SVG, scale, then where."""
        from bpviz.gui.export import export_file_name, export_stem, export_widget
        from bpviz.gui.export_dialog import ExportDialog

        w, st, s = self.window, self.settings, self.session
        d = ExportDialog(
            w,
            st.value("export/what", "canvas"),
            st.value("export/fmt", "png"),
            int(st.value("export/scale", 2)),
            str(st.value("export/transparent", "false")) == "true",
        )
        if not d.exec():
            return
        c = d.choice()
        for k in ("what", "fmt", "scale"):
            st.setValue(f"export/{k}", c[k])
        st.setValue("export/transparent", "true" if c["transparent"] else "false")
        # the phase in the name (mazur-03-out-h.png): several phases, several files
        start = self._export_dir() / export_file_name(
            export_stem(s.source),
            c["what"],
            s.phase_index,
            s.names[s.phase_index],
            c["fmt"],
            len(s.names),
            s.step + 1,
        )
        flt = "PNG image (*.png)" if c["fmt"] == "png" else "SVG image (*.svg)"
        path, _ = QFileDialog.getSaveFileName(w, "Export image", str(start), flt)
        if not path:
            return
        if not path.lower().endswith("." + c["fmt"]):
            path += "." + c["fmt"]
        st.setValue("files/export_dir", str(Path(path).parent))
        if c["what"] == "data":  # drawn only once shown: bring its dock to the front first
            w.plane_dock.setVisible(True)
            w.plane_dock.raise_()
            QApplication.processEvents()
        target = {"canvas": w.canvas, "plot": w.plot, "window": w, "data": w.data_plane}[c["what"]]
        try:
            export_widget(target, path, c["fmt"], c["scale"] if c["fmt"] == "png" else 1.0, c["transparent"])
        except (OSError, ValueError) as e:
            warn(w, "Cannot export", f"{path}: {e}")
            return
        self._done(f"Exported {path}")

    def copy_image(self) -> None:
        from bpviz.gui.export import copy_to_clipboard

        copy_to_clipboard(self.window.canvas, 2.0)
        self._done("Copied the canvas to the clipboard", 3000)

    def choose_quick_folder(self) -> bool:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Quick export folder", self.settings.value("export/quick_dir", str(Path.home()))
        )
        if folder:
            self.settings.setValue("export/quick_dir", folder)
        return bool(folder)

    def quick_export(self) -> str | None:
        """The canvas as the next numbered PNG in the quick export folder (for a sequence
        grabbed while stepping)."""
        from bpviz.gui.export import QuickExporter, export_stem, phase_tag

        s = self.session
        folder = self.settings.value("export/quick_dir")
        if not folder or not Path(folder).is_dir():
            if not self.choose_quick_folder():
                return None
            folder = self.settings.value("export/quick_dir")
        try:
            path = QuickExporter(folder, export_stem(s.source), scale=2.0).export(
                self.window.canvas, phase_tag(s.phase_index, s.names[s.phase_index], len(s.names))
            )
        except (OSError, ValueError) as e:
            warn(self.window, "Cannot export", f"{folder}: {e}")
            return None
        self._done(f"Saved {path}", 3000)
        return str(path)

    # -- documents ----------------------------------------------------------------------------
    def export_worked_example(self) -> None:
        """This iteration written out step by step; the format follows the file's extension
        (or the filter chosen), the canvas at each phase if the user wants it."""
        from bpviz.core.atomic import write_atomic
        from bpviz.core.teach.phase_figures import with_phase_figures
        from bpviz.core.teach.worked_example import explain

        w, s = self.window, self.session
        start = self._export_dir() / f"{Path(s.source).stem or 'bpviz'}-worked-example.html"
        path, flt = QFileDialog.getSaveFileName(w, "Export worked example", str(start), WORKED_EXAMPLE_FILTER)
        if not path:
            return
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in ("html", "md", "tex"):
            fmt = "html" if "HTML" in flt else "md" if "Markdown" in flt else "tex"
            path += "." + fmt
        B = QMessageBox.StandardButton
        images = (
            QMessageBox.question(
                w, "Worked example", "Add an image of the canvas at each phase?", B.Yes | B.No, B.Yes
            )
            == B.Yes
        )
        try:
            text = explain(s.current_document(), s.trace, fmt, name=Path(s.source).stem)
            if images:
                text = with_phase_figures(text, fmt, path, self.phase_images())
            write_atomic(path, text)
        except (OSError, ValueError) as e:
            warn(w, "Cannot export", f"{path}: {e}")
            return
        self._done(f"Wrote {path}")

    def phase_images(self) -> list[PhaseFigure]:
        """The canvas at every phase of this iteration (``01-input.png``, its title, the PNG);
        the stepper goes back to where it was."""
        from bpviz.core.teach.phase_figures import PhaseFigure
        from bpviz.gui.export import phase_file_name, render_image

        s = self.session
        here = s.phase_index
        out = []
        try:
            for i, ph in enumerate(s.phases):
                s.set_phase(i)
                QApplication.processEvents()
                buf = QBuffer()
                buf.open(QIODevice.OpenModeFlag.WriteOnly)
                render_image(self.window.canvas, 1.0).save(buf, "PNG")
                out.append(
                    PhaseFigure(phase_file_name(i, ph.name, "png"), f"{i + 1}. {ph.title}", bytes(buf.data()))
                )
        finally:
            s.set_phase(here)
        return out

    def export_history_csv(self) -> None:
        """The error of every step so far (and of all the data where an epoch ended)."""
        from bpviz.core.atomic import write_atomic

        w, h = self.window, self.session.history
        start = self._export_dir() / f"{Path(self.session.source).stem or 'bpviz'}-errors.csv"
        path, _ = QFileDialog.getSaveFileName(w, "Export error history", str(start), "CSV (*.csv)")
        if not path:
            return
        try:
            write_atomic(path, h.csv())  # (a long run's record as it is held: nothing expanded)
        except OSError as e:
            warn(w, "Cannot export", f"{path}: {e.strerror or e}")
            return
        self._done(f"Wrote {path} ({h.n:,} steps)")
