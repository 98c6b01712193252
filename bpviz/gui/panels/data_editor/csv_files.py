"""CSV files in the data editor: import (replacing the data, or a message naming the row and
column that is wrong, with nothing changed) and export, with their file dialogs; the folder is
remembered in the settings.

:class:`CsvFiles` is a part of :class:`~bpviz.gui.panels.data_editor.editor.DataEditor`
(a mixin).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog

from bpviz.core.datasets import DataError, read_csv, write_csv
from bpviz.gui.panels.data_editor.model import plural


class CsvFiles:
    """The DataEditor's CSV import and export."""

    def import_csv(self, path: str) -> bool:
        """Replace the data with a CSV file; on any problem, a message naming the row and
        column, and the table and the session stay as they were."""
        if self.session.training:
            return False
        self._commit_editing()
        ins, outs = self._labels()
        try:
            X, T = read_csv(Path(path), len(ins), len(outs), ins, outs)
        except DataError as e:
            self._refuse("Cannot import the data", f"{Path(path).name}: {e}")
            return False
        except OSError as e:  # (the reader names most problems itself, as DataError)
            self._refuse("Cannot import the data", f"{path}: {e.strerror or e}")
            return False
        except MemoryError:
            self._refuse("Cannot import the data", f"{path}: the data do not fit in memory")
            return False
        return self._replace(
            X, T, f"Import {Path(path).name}", f"Imported {plural(len(X), 'sample')} from {Path(path).name}."
        )

    def export_csv(self, path: str) -> bool:
        self._commit_editing()
        if not self.model.is_valid():
            fb = self.model.first_bad()
            self._refuse(
                "Cannot export the data",
                f"Row {fb[0] + 1}, column {self.model.names[fb[1]]}: {fb[3]}. Fix the "
                "marked cells (or Revert) before exporting.",
            )
            return False
        X, T = self.model.split()
        ins, outs = self._labels()
        try:
            write_csv(path, X, T, ins, outs)
        except OSError as e:
            self._refuse("Cannot export the data", f"{path}: {e.strerror or e}")
            return False
        self.message = f"Saved {plural(len(X), 'sample')} to {Path(path).name}."
        self._update_status()
        return True

    def _start_dir(self) -> str:
        if self._dir:
            return self._dir
        return str(QSettings().value("files/data_dir", str(Path.home())))

    def _remember_dir(self, path: str) -> None:
        self._dir = str(Path(path).parent)
        QSettings().setValue("files/data_dir", self._dir)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import data", self._start_dir(), "CSV (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.import_csv(path)

    def export_dialog(self) -> None:
        src = self.session.source
        stem = Path(src).name.split(".")[0] if src else "data"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export data", str(Path(self._start_dir()) / f"{stem}-data.csv"), "CSV (*.csv)"
        )
        if path:
            if not Path(path).suffix:
                path += ".csv"
            self._remember_dir(path)
            self.export_csv(path)
