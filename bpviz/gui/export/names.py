"""File names for exports, without Qt: the phase tag ``03-out-h``, ``--all-phases``' frame
names ``01-input.png``, and the names File → Export proposes (``mazur-03-out-h.png``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["safe_name", "phase_tag", "phase_file_name", "export_stem", "export_file_name"]


def safe_name(text: str) -> str:
    """``text`` usable in a file name on every system (':', '/', control characters and the
    like become '-')."""
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+', "-", str(text)).strip("-.")


def phase_tag(index: int, name: str, total: int = 0) -> str:
    """``NN-NAME`` of the phase at (0-based) ``index``: NN its number as the window counts it,
    from 01 (two digits, more when ``total`` needs them); ':' written as '-'."""
    digits = max(2, len(str(total)))
    return f"{index + 1:0{digits}d}-{safe_name(name)}"


def phase_file_name(index: int, name: str, fmt: str, total: int = 0) -> str:
    """``NN-NAME.EXT`` for --all-phases (:func:`phase_tag`): the first phase is
    ``01-input.png``. A ':' is not allowed in file names on Windows (and means something else
    to the macOS Finder), so ``grad_out:h`` becomes ``grad_out-h``."""
    return f"{phase_tag(index, name, total)}.{fmt}"


def export_stem(source: str | os.PathLike | None) -> str:
    """The network's short name for file names: a preset's name, or a file's name without
    ``.bpviz.json`` (``bpviz`` when untitled)."""
    name = Path(str(source or "")).name
    for suffix in (".bpviz.json", ".json", ".bpviz"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return safe_name(name) or "bpviz"


def export_file_name(
    stem: str, what: str, index: int, name: str, fmt: str, total: int = 0, iteration: int = 1
) -> str:
    """The name File → Export proposes: the canvas of mazur at phase 3 is
    ``mazur-03-out-h.png``, so exporting several phases does not overwrite one file; the
    window adds ``window``, a later iteration ``iteration-K``; the error plot, which is the
    same at every phase, is ``mazur-plot-iteration-K.png``."""
    parts = [safe_name(stem) or "bpviz"]
    if what == "plot":
        return "-".join([*parts, "plot", f"iteration-{iteration}"]) + f".{fmt}"
    if what != "canvas":
        parts.append(safe_name(what))
    if iteration > 1:
        parts.append(f"iteration-{iteration}")
    return "-".join([*parts, phase_tag(index, name, total)]) + f".{fmt}"
