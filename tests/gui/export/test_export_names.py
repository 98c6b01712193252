"""bpviz/gui/export/names.py and quick.py: phase tags and frame names counted from 01 without
':', the names File → Export proposes, numbered quick exports with the phase in them."""

from __future__ import annotations

from pathlib import Path

from bpviz.gui.export import QuickExporter, export_file_name, export_stem, phase_file_name


def test_phase_file_names_have_no_colon_and_count_from_01():
    assert phase_file_name(9, "grad_out:h", "png") == "10-grad_out-h.png"
    assert phase_file_name(0, "input", "svg") == "01-input.svg"
    assert phase_file_name(0, "input", "png", total=120) == "001-input.png"


def test_export_file_names_include_the_phase():
    assert export_file_name("mazur", "canvas", 4, "out:h", "png", 13) == "mazur-05-out-h.png"
    assert export_file_name("mazur", "window", 4, "out:h", "svg", 13) == "mazur-window-05-out-h.svg"
    assert (
        export_file_name("mazur", "canvas", 0, "input", "png", 13, iteration=3)
        == "mazur-iteration-3-01-input.png"
    )
    assert export_file_name("xor", "plot", 0, "input", "png", 18, iteration=2) == "xor-plot-iteration-2.png"
    assert export_stem("/a/b/my net.bpviz.json") == "my-net"
    assert export_stem("mazur") == "mazur" and export_stem("") == "bpviz"


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


def test_control_characters_and_slashes_never_reach_a_file_name():
    from bpviz.gui.export.names import phase_file_name, safe_name

    assert safe_name("h\x00\x1f\x7f/x") == "h-x"
    assert phase_file_name(3, "grad:h\x00/1", "png") == "04-grad-h-1.png"


def test_file_export_offers_the_data_plane_and_draws_it(qtbot, settings, tmp_path, monkeypatch):
    """File → Export… → "The data plane" writes the plane even while its dock is behind the
    error plot (it is drawn only once shown): the file has the heatmap's many colours."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QFileDialog

    from bpviz.core.presets import load_preset
    from bpviz.gui.export_dialog import ExportDialog
    from bpviz.gui.main_window import MainWindow

    w = MainWindow(load_preset("circle"), "circle", settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    assert ExportDialog().what.findData("data") >= 0
    w.settings.setValue("files/export_dir", str(tmp_path))
    monkeypatch.setattr(ExportDialog, "exec", lambda self: True)
    monkeypatch.setattr(
        ExportDialog, "choice", lambda self: {"what": "data", "fmt": "png", "scale": 1, "transparent": False}
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, flt: (start, flt))
    w.export_dialog()
    files = list(tmp_path.glob("circle-data-*.png"))
    assert len(files) == 1
    img = QImage(str(files[0]))
    assert img.width() > 200 and img.height() > 200
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 50  # a heatmap, not an empty widget
