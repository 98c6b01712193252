"""Screenshots of presentation mode on a real display, for looking at and for README.md.

    Xvfb :97 -screen 0 1280x720x24 &
    DISPLAY=:97 QT_QPA_PLATFORM=xcb python scripts/presentation_screenshots.py OUT_DIR [--zoom Z]
        [--presets mazur,swap] [--phases input,delta,grad,update]

For each preset, the window enters presentation mode (F5) on the display's screen and a PNG of the
whole screen is written at each phase asked for (a name such as ``delta:h``, or a kind: its
first phase) (``delta`` = δ of the first
layer reached going back, i.e. the output layer's; ``grad`` = the gradients into it). ``--zoom``
sets the font zoom after entering (the class at the back asked for larger type). The script
prints, for each image, how many labels the canvas had to hide for lack of room.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--zoom", type=float, default=None)
    ap.add_argument("--presets", default="mazur,swap,linear,xor,xor-deep")
    ap.add_argument("--phases", default="input,delta,grad,update")
    ap.add_argument("--select", default=None, help="a neuron K:I to select (caption)")
    a = ap.parse_args(argv)

    from bpviz.core.presets import load_preset
    from bpviz.gui.app import make_app
    from bpviz.gui.main_window import MainWindow
    from bpviz.gui.session import Selection

    app = make_app()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    scr = app.primaryScreen().geometry()
    size = f"{scr.width()}x{scr.height()}"

    def pump(t: float = 0.4) -> None:
        end = time.time() + t
        while time.time() < end:
            app.processEvents()

    for name in a.presets.split(","):
        st = QSettings(str(out / ".settings.ini"), QSettings.Format.IniFormat)
        st.clear()
        w = MainWindow(load_preset(name), name, settings=st)
        w.show()
        pump()
        w.toggle_presentation()
        pump(0.6)
        if a.zoom:
            w.session.set_zoom(a.zoom)
            pump()
        if a.select:
            k, i = (int(x) for x in a.select.split(":"))
            w.session.select(Selection("neuron", (k, i)))
        names = w.session.names
        for kind in a.phases.split(","):
            # a phase's name ("delta:h"), or the first phase of a kind ("delta")
            idx = (
                names.index(kind)
                if kind in names
                else next(i for i, n in enumerate(names) if n.split(":")[0] == kind)
            )
            w.session.set_phase(idx)
            pump()
            zoom = f"-zoom{a.zoom:g}" if a.zoom else ""
            tail = "-caption" if a.select else ""
            path = out / (
                f"presentation-{name}-{size}{zoom}-{idx + 1:02d}-{names[idx].replace(':', '-')}{tail}.png"
            )
            w.grab().save(str(path))
            print(f"{path}  (hidden labels: {len(w.canvas.dropped)})")
        w.toggle_presentation()
        pump()
        w.session.undo_stack.setClean()
        w.close()
        pump(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
