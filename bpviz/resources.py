"""Find the ``resources/`` folder: inside an installed wheel (``bpviz/resources``, mapped there
by pyproject.toml) or beside the package in a source checkout / editable install."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["resource_dir"]


@cache
def resource_dir() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here / "resources", here.parent / "resources"):
        if (cand / "presets").is_dir():
            return cand
    raise FileNotFoundError("bpviz resources not found (looked in bpviz/resources and resources/)")
