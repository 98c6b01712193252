"""bpviz/gui/export/images.py: a widget to PNG or SVG at a scale, as a QImage, written
through core.atomic.write_atomic (a failed write leaves nothing; no temporary files)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from export_test_helpers import files, image
from PySide6.QtGui import QImage

from bpviz.gui import export
from bpviz.gui.export import QuickExporter, export_widget


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


def test_files_are_written_through_core_atomic(tmp_path, view, monkeypatch):
    """One rule for atomic writes: PNG bytes and SVG text both go through write_atomic."""
    from bpviz.core import atomic
    from bpviz.gui.export import images

    calls = []

    def record(path, data):
        calls.append((type(data), path))
        return atomic.write_atomic(path, data)

    monkeypatch.setattr(images, "write_atomic", record)
    export_widget(view, tmp_path / "v.png")
    export_widget(view, tmp_path / "v.svg")
    assert calls == [(bytes, tmp_path / "v.png"), (str, tmp_path / "v.svg")]
    assert image(tmp_path / "v.png").width() == 300
    ET.parse(tmp_path / "v.svg")
    assert files(tmp_path) == ["v.png", "v.svg"]


def test_an_existing_file_keeps_its_permissions(tmp_path, view):
    target = tmp_path / "v.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    export_widget(view, target)
    assert target.stat().st_mode & 0o777 == 0o640
    assert image(target).width() == 300
