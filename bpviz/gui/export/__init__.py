"""Images of the window: PNG and SVG of the canvas, the error plot or the whole window, for
File → Export…, the clipboard, numbered quick exports and the offscreen ``bpviz export``.

* ``images.py`` — a widget to a PNG or SVG file (:func:`export_widget`) or a QImage
  (:func:`render_image`); every file written atomically.
* ``portable_svg.py`` — SVG rewritten so slide programs draw what browsers draw.
* ``names.py`` — file names with the phase in them (``mazur-03-out-h.png``, ``01-input.png``).
* ``quick.py`` — the clipboard and numbered files while stepping (:class:`QuickExporter`).
* ``centring.py`` — the network centred on a 16:9 slide over every phase.
* ``headless.py`` — the offscreen renderer the command line calls with plain values
  (:func:`export_offscreen`); it raises :class:`ExportError`, never a command-line error.

The window imports the names below from ``bpviz.gui.export``; nothing here imports the
command line.
"""

import os as _os

_os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # before pyqtgraph is first imported

from bpviz.gui.export.centring import centre_canvas  # noqa: E402
from bpviz.gui.export.headless import (  # noqa: E402
    DEFAULT_SIZES,
    ExportError,
    OffscreenExport,
    Trained,
    export_offscreen,
)
from bpviz.gui.export.images import (  # noqa: E402
    FORMATS,
    export_scene,
    export_widget,
    format_of,
    render_image,
)
from bpviz.gui.export.names import (  # noqa: E402
    export_file_name,
    export_stem,
    phase_file_name,
    phase_tag,
)
from bpviz.gui.export.quick import QuickExporter, copy_to_clipboard  # noqa: E402

__all__ = [
    "FORMATS",
    "DEFAULT_SIZES",
    "format_of",
    "export_widget",
    "export_scene",
    "render_image",
    "copy_to_clipboard",
    "QuickExporter",
    "phase_file_name",
    "phase_tag",
    "export_file_name",
    "export_stem",
    "centre_canvas",
    "ExportError",
    "OffscreenExport",
    "Trained",
    "export_offscreen",
]
