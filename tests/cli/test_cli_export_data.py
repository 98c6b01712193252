"""``bpviz export NET --what data``: the data plane rendered offscreen — its default size,
the plane at the weights after ``--steps`` (the first phase by default; the update phase draws
the boundary before the update too), SVG with the heatmap as an image and the key as text, and
a network of more than two inputs says which are held at their training means."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from PySide6.QtGui import QImage

from bpviz.cli import main
from bpviz.core import fileformat
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.numbers import sig
from bpviz.gui.export import DEFAULT_SIZES

SMALL = ["--size", "300x320"]


def run(*argv) -> int:
    return main(["export", *map(str, argv)])


def svg_words(path) -> str:
    """The SVG's text, non-breaking spaces (the key's entries never break) read as spaces."""
    return " ".join(t.strip() for t in ET.parse(path).getroot().itertext()).replace("\xa0", " ")


def image(path) -> QImage:
    img = QImage(str(path))
    assert not img.isNull(), path
    return img


def test_the_data_plane_after_steps_at_its_default_size(tmp_path):
    assert DEFAULT_SIZES["data"] == (900, 900)
    assert run("circle", "--what", "data", "-o", tmp_path / "d.png") == 0
    img = image(tmp_path / "d.png")
    assert (img.width(), img.height()) == (900, 900)
    assert run("circle", "--what", "data", *SMALL, "--steps", "300", "-o", tmp_path / "300.png") == 0
    assert run("circle", "--what", "data", *SMALL, "-o", tmp_path / "0.png") == 0
    assert image(tmp_path / "300.png") != image(tmp_path / "0.png")  # the network learned
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.png", "300.png", "d.png"]


def test_data_opens_on_the_first_phase_and_the_update_draws_before_and_after(tmp_path):
    common = ["moons", "--what", "data", *SMALL, "--steps", "200"]
    assert run(*common, "-o", tmp_path / "default.png") == 0
    assert run(*common, "--phase", "1", "-o", tmp_path / "1.png") == 0
    assert run(*common, "--phase", "update", "-o", tmp_path / "u.png") == 0
    assert image(tmp_path / "default.png") == image(tmp_path / "1.png")
    assert image(tmp_path / "u.png") != image(tmp_path / "1.png")


def test_svg_keeps_the_heatmap_as_an_image_and_the_words_as_text(tmp_path):
    out = tmp_path / "s.svg"
    assert run("spiral", "--what", "data", *SMALL, "--steps", "50", "-o", out) == 0
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(list(root.iter(f"{ns}image"))) >= 1  # the heatmap
    words = svg_words(out)
    assert "spiral 1" in words and "spiral 2" in words and "largest output" in words


def test_sine_draws_its_function_curve(tmp_path):
    assert run("sine", "--what", "data", *SMALL, "--steps", "500", "-o", tmp_path / "s.svg") == 0
    words = svg_words(tmp_path / "s.svg")
    assert "against x1" in words and "network" in words


def test_more_than_two_inputs_say_what_is_held(tmp_path):
    spec = NetworkSpec(
        [LayerSpec("x", 3), LayerSpec("h", 4, "tanh"), LayerSpec("y", 1, "sigmoid")],
        init_scale=1.0,
        n_samples=8,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(3)
    doc.inputs = rng.normal(size=(8, 3))
    doc.targets = (doc.inputs[:, :1] > 0).astype(float)
    path = tmp_path / "three.bpviz.json"
    fileformat.save(doc, path)
    assert run(path, "--what", "data", *SMALL, "-o", tmp_path / "t.svg") == 0
    words = svg_words(tmp_path / "t.svg")
    assert "x3 = " in words and "held at its training mean" in words
    assert f"x3 = {sig(doc.inputs[:, 2].mean(), 3)}" in words
