"""The built-in presets: bpviz/1 files shipped in ``resources/presets``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bpviz.core.fileformat import Document, FormatError, load
from bpviz.resources import resource_dir

__all__ = ["PRESETS", "preset_path", "load_preset", "preset_titles", "resolve"]

# In the order the app lists them.
PRESETS = (
    "mazur",
    "swap",
    "linear",
    "xor",
    "xor-deep",
    "deep-sigmoid",
    "deep-tanh",
    "circle",
    "spiral",
    "moons",
    "sine",
    "digits",
)


def preset_path(name: str) -> Path:
    if name not in PRESETS:
        raise KeyError(name)
    return resource_dir() / "presets" / f"{name}.bpviz.json"


def load_preset(name: str) -> Document:
    return load(preset_path(name))


def preset_titles() -> list[tuple[str, str]]:
    out = []
    for name in PRESETS:
        with open(preset_path(name), encoding="utf-8") as f:
            out.append((name, json.load(f).get("title", "")))
    return out


def _named(path: str) -> bool:
    """Is there anything at all under this name (a file, a folder, a FIFO, a link, even a
    dangling one or a loop)? The loader says what is wrong with it."""
    try:
        os.lstat(path)
    except (OSError, ValueError):
        return False
    return True


def resolve(net: str) -> Document:
    """NET is a preset name or a path to a bpviz/1 file (CLI.md): the one function every
    command and the window open NET with (the loader decides once, the same way for all)."""
    if net in PRESETS and not _named(net):
        return load_preset(net)
    if not _named(net):
        raise FormatError("", f"no such file or preset (presets: {', '.join(PRESETS)})", net)
    return load(net)
