"""bpviz export and the export library: sizes (a 16:9 slide for the canvas, the network
centred), SVG text and SVGs that other renderers draw without black frames, phases counted
from 1, --all-phases, --legend, bad arguments (exit 2, one line, nothing written), --steps,
--theme, numbered quick exports and the window's export names."""

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from bpviz.cli import main
from bpviz.core.iteration.phases import phase_names
from bpviz.core.presets import load_preset
from bpviz.gui import export
from bpviz.gui.export import (
    QuickExporter,
    export_file_name,
    export_stem,
    export_widget,
    phase_file_name,
)
from bpviz.gui.network_view import NetworkView
from bpviz.gui.session import Session
from bpviz.gui.theme import THEMES

SMALL = ["--size", "360x240"]
MEDIUM = ["--size", "960x540"]


def run(*argv) -> int:
    return main(["export", *map(str, argv)])


def image(path) -> QImage:
    img = QImage(str(path))
    assert not img.isNull(), path
    return img


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(e.itertext()).strip() for e in root.iter() if e.tag.endswith("text")]


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_png_at_scale_2_has_twice_the_width_and_height(tmp_path):
    assert run("mazur", "-o", tmp_path / "a.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "b.png", *SMALL, "--scale", "2") == 0
    a, b = image(tmp_path / "a.png"), image(tmp_path / "b.png")
    assert (a.width(), a.height()) == (360, 240)
    assert (b.width(), b.height()) == (2 * a.width(), 2 * a.height())
    assert files(tmp_path) == ["a.png", "b.png"]  # no temporary files left


def test_svg_parses_and_keeps_labels_as_text(tmp_path):
    out = tmp_path / "c.svg"
    assert run("mazur", "-o", out, *MEDIUM) == 0  # room for every label
    texts = svg_texts(out)
    for label in ("i1", "h1", "h2", "o1", "o2"):
        assert label in texts
    assert any(t.startswith("w5") for t in texts)  # the weight labels too
    assert not any(e.tag.endswith("image") for e in ET.parse(out).getroot().iter())


def test_svg_of_the_plot(tmp_path):
    out = tmp_path / "p.svg"
    assert run("xor", "--what", "plot", "--steps", "30", "-o", out, "--size", "400x200") == 0
    assert "step" in svg_texts(out)


def test_two_phases_give_different_images(tmp_path):
    assert run("mazur", "-o", tmp_path / "1.png", *SMALL, "--phase", "1") == 0
    assert run("mazur", "-o", tmp_path / "g.png", *SMALL, "--phase", "grad_out:h") == 0
    a, b = image(tmp_path / "1.png"), image(tmp_path / "g.png")
    assert a.size() == b.size()
    assert a != b
    # phases count from 1, as the window's "10/13": by number or by name is the same phase
    assert run("mazur", "-o", tmp_path / "10.png", *SMALL, "--phase", "10") == 0
    assert image(tmp_path / "10.png") == b
    assert run("mazur", "-o", tmp_path / "i.png", *SMALL, "--phase", "input") == 0
    assert image(tmp_path / "i.png") == a


def test_default_phase_is_the_last(tmp_path):
    assert run("mazur", "-o", tmp_path / "d.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "u.png", *SMALL, "--phase", "update") == 0
    assert run("mazur", "-o", tmp_path / "13.png", *SMALL, "--phase", "13") == 0
    assert image(tmp_path / "d.png") == image(tmp_path / "u.png") == image(tmp_path / "13.png")


def test_all_phases_writes_one_file_per_phase(tmp_path):
    out = tmp_path / "new" / "shots"  # created, with its parent
    assert run("mazur", "--all-phases", "-o", out, "--size", "320x200") == 0
    names = phase_names(load_preset("mazur").network)
    expected = sorted(phase_file_name(i, n, "png") for i, n in enumerate(names))
    assert files(out) == expected
    assert len(expected) == 13
    assert expected[0] == "01-input.png" and expected[1] == "02-net-h.png"
    assert "10-grad_out-h.png" in expected and expected[-1] == "13-update.png"
    imgs = [image(out / f) for f in expected]
    assert imgs[0] != imgs[9]


def test_frame_nn_is_what_phase_nn_exports(tmp_path):
    out = tmp_path / "frames"
    assert run("mazur", "--all-phases", "-o", out, *MEDIUM) == 0
    for n, f in ((3, "03-out-h.png"), (10, "10-grad_out-h.png")):
        assert run("mazur", "-o", tmp_path / f"p{n}.png", *MEDIUM, "--phase", n) == 0
        assert image(tmp_path / f"p{n}.png") == image(out / f), n


def test_all_phases_svg_into_an_existing_folder(tmp_path):
    assert run("linear", "--all-phases", "--format", "svg", "-o", tmp_path, *SMALL) == 0
    names = phase_names(load_preset("linear").network)
    assert files(tmp_path) == sorted(phase_file_name(i, n, "svg") for i, n in enumerate(names))
    for f in tmp_path.iterdir():
        ET.parse(f)


@pytest.mark.parametrize("args", [
    ["--phase", "0"],
    ["--phase", "14"],
    ["--phase", "-1"],
    ["--phase", "no-such-phase"],
    ["--scale", "0.5"],
    ["--scale", "5"],
    ["--scale", "nan"],
    ["--size", "big"],
    ["--size", "10x10"],
    ["--size", "800"],
    ["--steps", "-1"],
    ["--format", "svg"],  # does not match the suffix .png
    ["--all-phases", "--phase", "1"],
    ["--sample", "0"],
    ["--sample", "2"],  # mazur has one sample
])
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args):
    assert run("mazur", "-o", tmp_path / "x.png", *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.strip()
    assert "Traceback" not in err
    assert files(tmp_path) == []
    if args == ["--phase", "0"]:
        assert "phases are numbered 1 to 13" in err
    if args == ["--sample", "0"]:
        assert "--sample 0: there is one sample, number 1" in err


def test_sample_counts_from_1(tmp_path, capsys):
    # swap is online: without --sample its first step is on sample 1
    assert run("swap", "-o", tmp_path / "d.png", *SMALL, "--phase", "1") == 0
    assert run("swap", "-o", tmp_path / "s1.png", *SMALL, "--phase", "1", "--sample", "1") == 0
    assert run("swap", "-o", tmp_path / "s2.png", *SMALL, "--phase", "1", "--sample", "2") == 0
    assert image(tmp_path / "s1.png") == image(tmp_path / "d.png")
    assert image(tmp_path / "s2.png") != image(tmp_path / "s1.png")
    # xor is batch: --sample K makes the step use sample K alone
    assert run("xor", "-o", tmp_path / "x.png", *SMALL, "--phase", "1") == 0
    assert run("xor", "-o", tmp_path / "x4.png", *SMALL, "--phase", "1", "--sample", "4") == 0
    assert image(tmp_path / "x4.png") != image(tmp_path / "x.png")
    assert run("swap", "-o", tmp_path / "bad.png", "--sample", "5") == 2
    assert capsys.readouterr().err.strip() == "--sample 5: samples are numbered 1 to 4"
    assert not (tmp_path / "bad.png").exists()


@pytest.mark.parametrize("make_out", [
    lambda t: t / "x.jpg",  # unknown suffix
    lambda t: t / "noext",  # no suffix and no --format
    lambda t: t / "missing" / "x.png",  # folder does not exist
    lambda t: t,  # a folder where a file is expected
])
def test_bad_output_paths(tmp_path, capsys, make_out):
    assert run("mazur", "-o", make_out(tmp_path), *SMALL) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert files(tmp_path) == []


def test_all_phases_needs_a_folder(tmp_path, capsys):
    f = tmp_path / "file.png"
    f.write_bytes(b"keep")
    assert run("mazur", "--all-phases", "-o", f, *SMALL) == 2  # an existing file
    assert run("mazur", "--all-phases", "-o", tmp_path / "shot.png", *SMALL) == 2  # a file name
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("folder" in line for line in err)
    assert files(tmp_path) == ["file.png"] and f.read_bytes() == b"keep"


def test_unknown_network_is_bad_input(tmp_path, capsys):
    assert run("no-such-net", "-o", tmp_path / "x.png") == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert files(tmp_path) == []


def test_format_without_suffix(tmp_path):
    assert run("mazur", "-o", tmp_path / "picture", "--format", "svg", *SMALL) == 0
    ET.parse(tmp_path / "picture")


def test_steps_trains_first_and_the_plot_shows_it(tmp_path):
    out = tmp_path / "plot.png"
    assert run("xor", "--what", "plot", "--steps", "60", "-o", out, "--size", "400x200") == 0
    trained = image(out)
    assert (trained.width(), trained.height()) == (400, 200)
    assert run("xor", "--what", "plot", "-o", tmp_path / "fresh.png", "--size", "400x200") == 0
    assert trained != image(tmp_path / "fresh.png")
    # the canvas after training shows other weights than the file's
    assert run("xor", "--steps", "60", "-o", tmp_path / "c1.png", *SMALL) == 0
    assert run("xor", "-o", tmp_path / "c0.png", *SMALL) == 0
    assert image(tmp_path / "c1.png") != image(tmp_path / "c0.png")


def test_dark_theme_has_a_dark_background(tmp_path):
    assert run("mazur", "-o", tmp_path / "l.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "d.png", *SMALL, "--theme", "dark") == 0
    for name, dark in (("l.png", False), ("d.png", True)):
        img = image(tmp_path / name)
        c = QColor(img.pixel(img.width() - 3, img.height() - 3))
        assert (c.lightness() < 60) == dark, (name, c.name())


def test_window_png_and_svg(tmp_path):
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.png",
               "--phase", "grad_out:h") == 0
    img = image(tmp_path / "w.png")
    assert (img.width(), img.height()) == export.DEFAULT_SIZES["window"]
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.svg") == 0
    texts = svg_texts(tmp_path / "w.svg")
    assert "h1" in texts and "Inspector" in texts


def test_window_too_small_is_bad_input(tmp_path, capsys):
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.png", "--size", "100x100") == 2
    assert "--size" in capsys.readouterr().err
    assert files(tmp_path) == []


# ------------------------------------------------------------------------------ the library
@pytest.fixture
def view(qtbot, qapp):
    # not qtbot.addWidget: pyqtgraph's GraphicsView.close() clears the scene, and the canvas's
    # resizeEvent then touches its deleted ViewBox (a crash); the view is deleted instead
    v = NetworkView(Session(load_preset("mazur"), "mazur"))
    v.setMinimumSize(100, 100)
    v.resize(300, 200)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.hide()
    v.deleteLater()
    qapp.processEvents()


def test_quick_exporter_numbers_files(tmp_path, view):
    q = QuickExporter(tmp_path / "quick")
    assert q.export(view).name == "bpviz-0001.png"
    assert q.export(view).name == "bpviz-0002.png"
    (tmp_path / "quick" / "bpviz-0007.svg").write_text("<svg/>")
    assert q.next_path().name == "bpviz-0008.png"
    assert image(tmp_path / "quick" / "bpviz-0001.png").width() == 300


def test_export_widget_scale_and_format(tmp_path, view):
    export_widget(view, tmp_path / "v.png", scale=1.5)
    img = image(tmp_path / "v.png")
    assert (img.width(), img.height()) == (450, 300)
    export_widget(view, tmp_path / "v", "svg")
    ET.parse(tmp_path / "v")
    with pytest.raises(ValueError):
        export_widget(view, tmp_path / "v.gif")
    with pytest.raises(ValueError):
        export_widget(view, tmp_path / "v.png", scale=8)


def test_a_failed_write_leaves_nothing(tmp_path, view, monkeypatch):
    monkeypatch.setattr(QImage, "save", lambda self, *a: False)
    with pytest.raises(OSError):
        export_widget(view, tmp_path / "v.png")
    assert files(tmp_path) == []
    # an existing file is kept as it was
    (tmp_path / "v.png").write_bytes(b"old")
    with pytest.raises(OSError):
        export_widget(view, tmp_path / "v.png")
    assert files(tmp_path) == ["v.png"] and (tmp_path / "v.png").read_bytes() == b"old"


def test_render_image_of_a_plain_widget_scales(qtbot):
    from PySide6.QtWidgets import QLabel

    w = QLabel("hello")
    qtbot.addWidget(w)
    w.resize(120, 40)
    img = export.render_image(w, 2.0)
    assert (img.width(), img.height()) == (240, 80)


def test_phase_file_names_have_no_colon_and_count_from_01():
    assert phase_file_name(9, "grad_out:h", "png") == "10-grad_out-h.png"
    assert phase_file_name(0, "input", "svg") == "01-input.svg"
    assert phase_file_name(0, "input", "png", total=120) == "001-input.png"


def test_export_file_names_include_the_phase():
    assert export_file_name("mazur", "canvas", 4, "out:h", "png", 13) == "mazur-05-out-h.png"
    assert export_file_name("mazur", "window", 4, "out:h", "svg", 13) == \
        "mazur-window-05-out-h.svg"
    assert export_file_name("mazur", "canvas", 0, "input", "png", 13, iteration=3) == \
        "mazur-iteration-3-01-input.png"
    assert export_file_name("xor", "plot", 0, "input", "png", 18, iteration=2) == \
        "xor-plot-iteration-2.png"
    assert export_stem("/a/b/my net.bpviz.json") == "my-net"
    assert export_stem("mazur") == "mazur" and export_stem("") == "bpviz"


def test_diverged_training_still_writes_and_exits_3(tmp_path, capsys):
    from bpviz.core import fileformat

    doc = load_preset("linear")
    doc.learning_rate = 1e6
    net = tmp_path / "wild.bpviz.json"
    fileformat.save(doc, net)
    out = tmp_path / "p.png"
    assert run(net, "--what", "plot", "--steps", "50", "-o", out, "--size", "300x200") == 3
    assert "diverged" in capsys.readouterr().err
    assert image(out).width() == 300


# ------------------------------------------------------------------------------ slides
def test_canvas_defaults_to_a_16_9_slide_and_scale_multiplies_it(tmp_path):
    assert run("mazur", "-o", tmp_path / "c.png") == 0
    assert image(tmp_path / "c.png").size().toTuple() == (1920, 1080)
    assert run("mazur", "-o", tmp_path / "c2.png", "--scale", "2") == 0
    assert image(tmp_path / "c2.png").size().toTuple() == (3840, 2160)
    # an SVG says the same size (in px), scaled too
    assert run("mazur", "-o", tmp_path / "c2.svg", "--scale", "2") == 0
    root = ET.parse(tmp_path / "c2.svg").getroot()
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == \
        ("3840", "2160", "0 0 1920 1080")
    # the plot and the window keep their own sizes
    assert run("xor", "--what", "plot", "-o", tmp_path / "p.png") == 0
    assert image(tmp_path / "p.png").size().toTuple() == export.DEFAULT_SIZES["plot"] == (900, 400)


def _ink(path, theme: str = "light") -> np.ndarray:
    """Where the picture differs from the theme's background."""
    return _ink_of(pixels(image(path)), theme)


@pytest.mark.parametrize("net", ["mazur", "swap", "xor-deep"])
def test_the_network_is_centred_on_the_slide(tmp_path, net):
    out = tmp_path / f"{net}.png"
    assert run(net, "-o", out, "--phase", "1", "--size", "1920x1080") == 0
    ink = _ink(out)
    w = ink.shape[1]
    cols = np.flatnonzero(ink[150:].any(0))  # below the banner
    left, right = cols[0], w - 1 - cols[-1]
    assert abs(left - right) <= 0.02 * w, (left, right)  # before: 71 to 89 px apart


def test_centre_canvas_puts_the_drawing_in_the_middle(qapp):
    v = NetworkView(Session(load_preset("swap"), "swap"))
    v.setMinimumSize(100, 100)
    v.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    v.resize(1600, 900)
    v.show()
    try:
        for _ in range(3):
            qapp.processEvents()
        v.vb.translateBy(x=1.0, y=0.3)  # off centre, as a pan would leave it
        qapp.processEvents()
        assert export.centre_canvas(v, qapp, rounds=1) != (0.0, 0.0)  # it had to move
        dx, dy = export.centre_canvas(v, qapp, rounds=8)
        assert abs(dx) < 2 and abs(dy) < 2  # and now sits in the middle, every phase counted
    finally:
        v.hide()
        v.deleteLater()
        qapp.processEvents()


def test_legend_reaches_the_session_and_changes_the_picture(tmp_path, monkeypatch):
    from bpviz.gui import session as session_mod

    calls = []
    orig = session_mod.Session.set_show_legend

    def record(self, on):
        calls.append(bool(on))
        return orig(self, on)

    monkeypatch.setattr(session_mod.Session, "set_show_legend", record)
    assert run("mazur", "-o", tmp_path / "plain.png", *MEDIUM) == 0
    assert calls == []
    assert run("mazur", "-o", tmp_path / "key.png", *MEDIUM, "--legend") == 0
    assert calls == [True]
    assert image(tmp_path / "plain.png") != image(tmp_path / "key.png")


# ------------------------------------------------------------------------------ portable SVG
def pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    a = np.frombuffer(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())[:, :w * 4]
    return a.reshape(h, w, 4).copy()


def render_qt(path) -> np.ndarray:
    """Qt's own SVG renderer: SVG Tiny, no clipping, like the simplest importers."""
    r = QSvgRenderer(str(path))
    assert r.isValid()
    img = QImage(r.defaultSize(), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(0, 0, 0, 0))
    p = QPainter(img)
    r.render(p)
    p.end()
    return pixels(img)


def render_rsvg(path) -> np.ndarray:
    png = Path(str(path) + ".rsvg.png")
    subprocess.run(["rsvg-convert", str(path), "-o", str(png)], check=True, timeout=120)
    return pixels(image(png))


RENDERERS = [pytest.param(render_qt, id="qt")]
RENDERERS.append(pytest.param(render_rsvg, id="rsvg", marks=pytest.mark.skipif(
    shutil.which("rsvg-convert") is None, reason="rsvg-convert is not installed")))


def assert_no_black_frame(a: np.ndarray) -> None:
    black = (a[..., :3].max(-1) <= 10) & (a[..., 3] > 200)
    # text is dark grey, not black; a frame is a black line across the picture
    assert black.mean() < 0.005, black.mean()
    assert black.mean(1).max() < 0.25 and black.mean(0).max() < 0.25, \
        (black.mean(1).max(), black.mean(0).max())


@pytest.mark.parametrize("render", RENDERERS)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_canvas_svg_renders_without_black_frames_on_the_theme_background(tmp_path, render,
                                                                         theme):
    out = tmp_path / "c.svg"
    assert run("mazur", "-o", out, *MEDIUM, "--phase", "grad_out:h", "--theme", theme,
               "--legend") == 0
    a = render(out)
    assert a.shape[:2] == (540, 960)
    assert_no_black_frame(a)
    bg = QColor(THEMES[theme].background).getRgb()
    for y, x in ((1, 1), (1, -2), (-2, 1), (-2, -2), (270, 2), (2, 480)):
        assert tuple(int(c) for c in a[y, x]) == bg, (y, x, a[y, x], bg)
    # and something is drawn: the network, not an empty page
    assert _ink_of(a, theme).mean() > 0.01


def _ink_of(a: np.ndarray, theme: str) -> np.ndarray:
    bg = np.array(QColor(THEMES[theme].background).getRgb()[:3])
    return np.abs(a[..., :3].astype(int) - bg).max(-1) > 24


@pytest.mark.parametrize("render", RENDERERS)
def test_plot_svg_renders_without_black_frames(tmp_path, render):
    out = tmp_path / "p.svg"
    assert run("xor", "--what", "plot", "--steps", "40", "-o", out) == 0
    a = render(out)
    assert a.shape[:2] == (400, 900)
    assert_no_black_frame(a)
    assert tuple(int(c) for c in a[-2, -2]) == QColor(THEMES["light"].background).getRgb()


@pytest.mark.parametrize("render", RENDERERS)
def test_window_svg_draws_what_the_png_shows(tmp_path, render):
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.svg") == 0
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.png") == 0
    a, png = render(tmp_path / "w.svg"), pixels(image(tmp_path / "w.png"))
    assert a.shape == png.shape  # its size in pixels, not millimetres
    assert_no_black_frame(a)
    # the canvas and the plot are in it (a nested <svg> would be skipped by Tiny renderers)
    diff = np.abs(a[..., :3].astype(int) - png[..., :3].astype(int)).mean()
    assert diff < 8, diff


def test_svg_text_is_portable(tmp_path):
    out = tmp_path / "c.svg"
    assert run("mazur", "-o", out, *MEDIUM, "--phase", "grad_out:h") == 0
    text = out.read_text(encoding="utf-8")
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("version") == "1.1" and root.get("baseProfile") is None
    assert (root.get("width"), root.get("height")) == ("960", "540")
    assert "%" not in "".join(e.get("width", "") + e.get("height", "") for e in root.iter())
    parent = {c: p for p in root.iter() for c in p}
    clips = list(root.iter(f"{ns}clipPath"))
    assert clips and all(parent[c].tag == f"{ns}defs" for c in clips)
    assert not [e for e in root.iter(f"{ns}svg") if e is not root]  # no nested <svg>
    shapes = [e for e in root.iter() if e.tag.removeprefix(ns) in
              ("rect", "path", "polygon", "polyline", "line", "circle", "ellipse", "text")
              and not any(p.tag == f"{ns}clipPath" for p in _ancestors(e, parent))]
    assert shapes
    for e in shapes:  # paint never left to inheritance (a black default brush)
        assert e.get("fill") is not None and e.get("stroke") is not None, e.attrib
        assert e.get("fill") != "none" or e.get("stroke") != "none", e.attrib  # drawn at all
    assert "Sans Serif" not in text  # Qt's alias, unknown to other programs
    assert 'fill-opacity="0"' not in text
    # one line of the banner is one text (Qt split it into font runs at Greek letters)
    # (the title's formula keeps together with no-break spaces)
    texts = [t.replace("\xa0", " ") for t in svg_texts(out)]
    assert "(∂E/∂out = Wᵀ·δ)" in texts[-3] or any(t.endswith("(∂E/∂out = Wᵀ·δ)") for t in texts)


def _ancestors(e, parent):
    while e in parent:
        e = parent[e]
        yield e


def test_transparent_svg_has_no_background(tmp_path, view):
    export_widget(view, tmp_path / "t.svg", transparent=True)
    a = render_qt(tmp_path / "t.svg")
    assert a[1, 1, 3] == 0 and a[-2, -2, 3] == 0
    root = ET.parse(tmp_path / "t.svg").getroot()
    assert not [e for e in root if e.tag.endswith("rect")]


# ------------------------------------------------------------------------------ names in the window
def test_quick_exporter_names_carry_a_tag(tmp_path, view):
    q = QuickExporter(tmp_path, "mazur")
    assert q.export(view, "05-out-h").name == "mazur-0001-05-out-h.png"
    assert q.export(view, "06-out-o").name == "mazur-0002-06-out-o.png"
    assert q.next_path().name == "mazur-0003.png"
    (tmp_path / "mazur-05-out-h.png").write_bytes(b"")  # a File → Export name: not a number
    assert q.next_path().name == "mazur-0003.png"


def test_menu_exports_name_the_phase(win, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from bpviz.gui.export_dialog import ExportDialog

    s = win.session
    s.set_phase(2)
    win.settings.setValue("files/export_dir", str(tmp_path))
    proposed = []

    def save_name(parent, title, start, flt):
        proposed.append(start)
        return start, flt

    monkeypatch.setattr(ExportDialog, "exec", lambda self: True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    win.export_dialog()
    assert Path(proposed[-1]).name == "mazur-03-out-h.png"
    assert (tmp_path / "mazur-03-out-h.png").is_file()
    s.set_phase(4)
    win.export_dialog()
    assert Path(proposed[-1]).name == "mazur-05-out-o.png"  # a second file, not the first again
    assert (tmp_path / "mazur-03-out-h.png").is_file()
    win.settings.setValue("export/quick_dir", str(tmp_path / "quick"))
    (tmp_path / "quick").mkdir()
    assert Path(win.quick_export()).name == "mazur-0001-05-out-o.png"
