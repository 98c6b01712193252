"""bpviz export and the export library: sizes, SVG text, phases, --all-phases, bad arguments
(exit 2, one line, nothing written), --steps, --theme, numbered quick exports."""

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QColor, QImage

from bpviz.cli import main
from bpviz.core.phases import phase_names
from bpviz.core.presets import load_preset
from bpviz.gui import export
from bpviz.gui.export import QuickExporter, export_widget, phase_file_name
from bpviz.gui.network_view import NetworkView
from bpviz.gui.session import Session

SMALL = ["--size", "360x240"]


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
    assert run("mazur", "-o", out, *SMALL) == 0
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
    assert run("mazur", "-o", tmp_path / "0.png", *SMALL, "--phase", "0") == 0
    assert run("mazur", "-o", tmp_path / "g.png", *SMALL, "--phase", "grad_out:h") == 0
    a, b = image(tmp_path / "0.png"), image(tmp_path / "g.png")
    assert a.size() == b.size()
    assert a != b
    # by index or by name is the same phase
    assert run("mazur", "-o", tmp_path / "9.png", *SMALL, "--phase", "9") == 0
    assert image(tmp_path / "9.png") == b


def test_default_phase_is_the_last(tmp_path):
    assert run("mazur", "-o", tmp_path / "d.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "u.png", *SMALL, "--phase", "update") == 0
    assert image(tmp_path / "d.png") == image(tmp_path / "u.png")


def test_all_phases_writes_one_file_per_phase(tmp_path):
    out = tmp_path / "new" / "shots"  # created, with its parent
    assert run("mazur", "--all-phases", "-o", out, "--size", "320x200") == 0
    names = phase_names(load_preset("mazur").network)
    expected = sorted(phase_file_name(i, n, "png") for i, n in enumerate(names))
    assert files(out) == expected
    assert len(expected) == 13
    assert "09-grad_out-h.png" in expected and "00-input.png" in expected
    imgs = [image(out / f) for f in expected]
    assert imgs[0] != imgs[9]


def test_all_phases_svg_into_an_existing_folder(tmp_path):
    assert run("linear", "--all-phases", "--format", "svg", "-o", tmp_path, *SMALL) == 0
    names = phase_names(load_preset("linear").network)
    assert files(tmp_path) == sorted(phase_file_name(i, n, "svg") for i, n in enumerate(names))
    for f in tmp_path.iterdir():
        ET.parse(f)


@pytest.mark.parametrize("args", [
    ["--phase", "13"],
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
    ["--all-phases", "--phase", "0"],
])
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args):
    assert run("mazur", "-o", tmp_path / "x.png", *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.strip()
    assert "Traceback" not in err
    assert files(tmp_path) == []


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


def test_phase_file_names_have_no_colon():
    assert phase_file_name(9, "grad_out:h", "png") == "09-grad_out-h.png"
    assert phase_file_name(0, "input", "svg") == "00-input.svg"


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
