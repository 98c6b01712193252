"""Helpers for the tests of bpviz/gui/export: draw a preset offscreen with plain values (as the
command line does, without it), read PNG and SVG files back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QImage

from bpviz.core.iteration.phases import phase_names
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.export.headless import OffscreenExport, Trained, export_offscreen
from bpviz.gui.theme import THEMES

SMALL = (360, 240)
MEDIUM = (960, 540)


def trained(doc, steps: int) -> Trained:
    t = Trainer(doc, track_epoch_error=True)
    t.run(max_steps=steps)
    net = t.network
    return Trained(
        net.weights,
        net.biases,
        t.step,
        [float(e) for e in t.error_history],
        [(int(a), float(b)) for a, b in t.epoch_errors],
    )


def offscreen(net: str, out, *, phase: int | str = -1, steps: int = 0, **kw) -> list[Path]:
    """``net`` (a preset) drawn to ``out``; ``phase`` a 0-based index (−1: the last) or a name."""
    doc = load_preset(net)
    names = phase_names(doc.network)
    index = names.index(phase) if isinstance(phase, str) else phase % len(names)
    out = Path(out)
    kw.setdefault("fmt", out.suffix.lstrip(".") or "png")
    return export_offscreen(
        OffscreenExport(
            doc=doc, source=net, out=out, phase=index, trained=trained(doc, steps) if steps else None, **kw
        )
    )


def image(path) -> QImage:
    img = QImage(str(path))
    assert not img.isNull(), path
    return img


def pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    a = np.frombuffer(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())[:, : w * 4]
    return a.reshape(h, w, 4).copy()


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(e.itertext()).strip() for e in root.iter() if e.tag.endswith("text")]


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def ink_of(a: np.ndarray, theme: str) -> np.ndarray:
    """Where the pixels ``a`` differ from the theme's background."""
    bg = np.array(QColor(THEMES[theme].background).getRgb()[:3])
    return np.abs(a[..., :3].astype(int) - bg).max(-1) > 24
