"""Quick exports from the window: the canvas on the clipboard (Ctrl+Shift+C) and numbered
files while stepping (Ctrl+Alt+E): ``bpviz-0001.png``, ``mazur-0002-05-out-h.png``, …"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from bpviz.gui.export.images import FORMATS, check_scale, export_widget, format_of, render_image
from bpviz.gui.export.names import safe_name

__all__ = ["copy_to_clipboard", "QuickExporter"]


def copy_to_clipboard(widget: QWidget, scale: float = 1.0) -> QImage:
    """Put an image of ``widget`` on the clipboard (and return it)."""
    img = render_image(widget, scale)
    QApplication.clipboard().setImage(img)
    return img


class QuickExporter:
    """Numbered exports into one folder: ``bpviz-0001.png``, ``bpviz-0002.png``, … (the next
    number after the highest one there, whatever its format); with a ``tag`` (the phase, say)
    ``bpviz-0003-05-out-h.png``."""

    def __init__(
        self, folder: str | os.PathLike, prefix: str = "bpviz", fmt: str = "png", scale: float = 1.0
    ) -> None:
        self.folder = Path(folder)
        self.prefix = safe_name(prefix) or "bpviz"
        self.fmt = format_of("", fmt)
        self.scale = check_scale(scale)

    def next_path(self, tag: str = "") -> Path:
        pat = re.compile(
            rf"^{re.escape(self.prefix)}-(\d{{4,}})(?:-[^.]*)?\."
            rf"(?:{'|'.join(FORMATS)})$"
        )
        used = [
            int(m.group(1))
            for p in (self.folder.iterdir() if self.folder.is_dir() else ())
            if (m := pat.match(p.name))
        ]
        tag = safe_name(tag)
        return self.folder / (
            f"{self.prefix}-{max(used, default=0) + 1:04d}{'-' + tag if tag else ''}.{self.fmt}"
        )

    def export(self, widget: QWidget, tag: str = "") -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return export_widget(widget, self.next_path(tag), self.fmt, self.scale)
