"""Hostile files in the window (issue 13, items 5 and 7): whatever File → Open is given — a
folder, a FIFO with no writer, broken JSON, a layer too big to build, a link to /dev/zero, a
link loop, markup where a name goes — the window shows one message in a dialog and keeps the
network it had; and text from a file is shown as text everywhere the window shows it (status
bar, title, dialogs, inspector, matrix tab, tooltips)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from bpviz.core.presets import preset_path
from bpviz.gui.plain_text import auto, displayable, escaped, to_plain

MARKUP = "<img src='/dev/zero'>"


@pytest.fixture
def dialogs(monkeypatch):
    """Every warning box, as (title, the text it shows, the text Qt was given)."""
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda parent, title, text, *a, **k: shown.append((title, to_plain(text), text)),
    )
    return shown


def _mazur() -> dict:
    return json.loads(preset_path("mazur").read_text(encoding="utf-8"))


def _write(path: Path, obj) -> str:
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return str(path)


def _hostile(tmp_path: Path, kind: str) -> str:
    p = tmp_path / f"{kind}.bpviz.json"
    if kind == "folder":
        p.mkdir()
    elif kind == "fifo":
        os.mkfifo(p)  # no writer: reading it would block for ever
    elif kind == "broken-json":
        _write(p, '{"format": "bpviz/1", "layers": [')
    elif kind == "huge-layer":
        _write(
            p,
            {
                **_mazur(),
                "layers": [
                    {"size": 1},
                    {"size": 99000, "activation": "tanh"},
                    {"size": 500, "activation": "tanh"},
                ],
                "weights": None,
                "init": {"scheme": "uniform", "scale": 0.5},
            },
        )
        obj = json.loads(p.read_text())
        del obj["weights"], obj["biases"], obj["labels"]
        obj["data"] = {"inputs": [[0.5]], "targets": [[0.1] * 500]}
        _write(p, obj)
    elif kind == "zero-link":
        p.symlink_to("/dev/zero")
    elif kind == "link-loop":
        p.symlink_to(p)
    elif kind == "duplicate-key":
        _write(p, json.dumps(_mazur())[:-1] + ', "learning_rate": 1e9}')
    elif kind == "absurd-step":
        _write(p, {**_mazur(), "session": {"step": 1e100}})
    elif kind == "markup-in-message":
        obj = _mazur()
        obj["layers"][1]["activation"] = MARKUP  # refused, and the message quotes it
        _write(p, obj)
    elif kind == "surrogate-title":
        _write(p, json.dumps(_mazur())[:-1] + ', "title": "a\\ud800b"}')
    else:
        raise ValueError(kind)
    return str(p)


KINDS = [
    "folder",
    "fifo",
    "broken-json",
    "huge-layer",
    "zero-link",
    "link-loop",
    "duplicate-key",
    "absurd-step",
    "markup-in-message",
    "surrogate-title",
]


@pytest.mark.parametrize("kind", KINDS)
def test_file_open_shows_a_dialog_and_keeps_the_network(win, tmp_path, monkeypatch, dialogs, kind):
    path = _hostile(tmp_path, kind)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    s = win.session
    before = [w.copy() for w in s.network.weights]
    t0 = time.perf_counter()
    win.act_open.trigger()  # File → Open…
    assert time.perf_counter() - t0 < 5
    assert len(dialogs) == 1, dialogs
    title, text, given = dialogs[0]
    assert title == "Cannot open the network"
    assert "\n" not in text and len(text) < 600 and "Traceback" not in text
    assert Path(path).name in text  # it names the file
    assert "<img" not in given  # markup quoted from the file never reaches Qt as markup
    assert s.source == "mazur" and not s.modified
    assert all(np.array_equal(a, b) for a, b in zip(s.network.weights, before, strict=True))


def test_opening_them_one_after_another_keeps_the_window_working(win, tmp_path, dialogs):
    """All of them in a row, then a good file: it opens, and the window still steps."""
    for kind in KINDS:
        assert win.open_path(_hostile(tmp_path, kind)) is False
    assert len(dialogs) == len(KINDS)
    good = _write(tmp_path / "good.bpviz.json", _mazur())
    assert win.open_path(good) is True and win.session.source == good
    win.session.next()
    assert win.session.phase_index == 1


def _markup_file(tmp_path: Path) -> str:
    """A valid network whose every string field holds markup (or LaTeX, or an ampersand)."""
    obj = _mazur()
    obj["title"] = MARKUP + " & <b>bold</b>"
    obj["description"] = "<script>alert(1)</script>"
    obj["layers"][0]["name"] = "<i>"
    obj["layers"][1]["name"] = MARKUP
    obj["layers"][2]["name"] = "&amp;"
    obj["labels"]["neurons"] = [["<b>x</b>", "i&2"], [MARKUP, "h<2"], ["o1>", "$\\o2$"]]
    obj["labels"]["weights"][0][0][0] = "<u>w</u>"
    obj["labels"]["biases"][0][0] = "<s>b</s>"
    return _write(tmp_path / "markup.bpviz.json", obj)


def test_markup_in_every_string_is_shown_as_text(win, tmp_path, dialogs):
    path = _markup_file(tmp_path)
    assert win.open_path(path), dialogs
    s = win.session
    # the status bar: plain text, the title as written
    status = win._status
    assert status.textFormat() == Qt.TextFormat.PlainText
    assert MARKUP + " & <b>bold</b>" in status.text()
    # the window's title (always plain)
    assert MARKUP in win.windowTitle()
    # the phase titles in the status bar name the layers as written
    s.set_phase(1)
    assert MARKUP in status.text()
    # the inspector: a neuron of the layer named with markup, and its label
    from bpviz.gui.session import Selection

    s.select(Selection("neuron", (1, 0)))
    win.inspector.tabs.setCurrentIndex(0)
    shown = win.inspector.selection_text()
    assert MARKUP in shown, shown
    assert "<img" not in win.inspector.text.toHtml().replace("&lt;img", "")
    # the matrix tab: its headings are rich text, escaped
    win.inspector.tabs.setCurrentIndex(1)
    note = win.inspector.matrix_note.text()
    assert "<img" not in note and "&lt;img" in note
    for title in win.inspector.matrix.titles.values():
        assert "<img" not in title.text() and "<b>x" not in title.text()
    # the gradients plot's legend (rich text): a layer named with markup, escaped
    legend = [label.text for _, label in win.gradient_plot.legend.items]
    assert any("&lt;img" in t for t in legend) and not any("<img" in t for t in legend), legend
    # the data editor's column tooltips
    m = win.data_editor.model
    for c in range(m.columnCount()):
        tip = m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert "<" not in tip or (tip.startswith("<p>") and "<b>" not in tip), tip
    assert "<b>x</b>" in to_plain(m.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole))
    cell = m.data(m.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert cell.startswith("<p>") and "<b>" not in cell and "<b>x</b>" in to_plain(cell)
    # a training message quoting nothing from the file is plain as well
    win._show_message("Training stopped", MARKUP)
    assert win._message_box.textFormat() == Qt.TextFormat.PlainText
    assert win._message_box.text() == MARKUP
    win._message_box.close()


def test_recent_files_with_markup_in_their_names(win, tmp_path, dialogs):
    folder = tmp_path / "<b>lesson & co"
    folder.mkdir()
    path = _write(folder / "a&b <i>.bpviz.json", _mazur())
    assert win.open_path(path)
    action = win.files.recent_menu.actions()[0]
    assert action.text() == "a&&b <i>.bpviz.json"  # "&" is not a shortcut marker
    assert to_plain(action.toolTip()) == path and "<b>" not in action.toolTip()


def test_the_text_helpers():
    assert displayable("a\ud800b\x00c\u202ed") == "a\ufffdb\ufffdcd"
    assert displayable("x" * 50, 10) == "x" * 10 + "… (40 more characters)"
    assert escaped("<a href='x'>&\n") == "&lt;a href=&#x27;x&#x27;&gt;&amp;<br>"
    assert auto("plain text") == "plain text"
    assert auto(MARKUP) == "<p>&lt;img src='/dev/zero'&gt;</p>"
    assert to_plain(auto(MARKUP + "\n&")) == MARKUP + "\n&"
    from PySide6 import QtGui

    assert QtGui.Qt.mightBeRichText(auto(MARKUP))  # Qt reads it as rich text: the escapes hold
    assert not QtGui.Qt.mightBeRichText(auto("a, b"))  # plain as it is
    assert auto("a & b") == "<p>a &amp; b</p>"


@pytest.mark.parametrize("what", ["canvas", "window"])
def test_svg_exports_write_markup_from_the_file_as_text(win, tmp_path, dialogs, what):
    """An SVG is XML: a name with markup is character data in it, never an element."""
    import xml.etree.ElementTree as ET

    from bpviz.gui.export import export_widget

    assert win.open_path(_markup_file(tmp_path))
    win.session.set_phase(3)
    out = export_widget(win.canvas if what == "canvas" else win, tmp_path / f"{what}.svg")
    root = ET.parse(out).getroot()  # well-formed
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert not {"img", "b", "i", "script"} & tags
    text = "".join(root.itertext())
    assert "<img" in text or what == "window"  # the canvas draws the layer's name as text


def _generator():
    """The seeded generator of mutated files that fuzzes the command line (tests/core)."""
    import importlib.util

    where = Path(__file__).parents[1] / "core" / "hostile_files.py"
    if not where.is_file():
        pytest.skip("tests/core/hostile_files.py is not there")
    spec = importlib.util.spec_from_file_location("bpviz_hostile_files", where)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mutated_files_through_the_window(win, tmp_path, dialogs, monkeypatch):
    """A seeded sample of the fuzzer's mutated files, opened one after another in one window:
    each opens or is one dialog, nothing raises (in the open or in any view's slot), none
    takes long, and the window still steps at the end."""
    import sys

    raised: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: raised.append(f"{t.__name__}: {v}"))
    gen = _generator().Generator(seed=13)
    opened = refused = 0
    for name, data in gen.files(15):
        p = tmp_path / name
        p.write_bytes(data)
        before = len(dialogs)
        t0 = time.perf_counter()
        ok = win.open_path(str(p))
        for _ in range(3):
            win.session.next()
        win.session.first()
        assert time.perf_counter() - t0 < 5, name
        if ok:
            opened += 1
            assert win.session.source == str(p) and len(dialogs) == before
        else:
            refused += 1
            assert len(dialogs) == before + 1 and "\n" not in dialogs[-1][1], name
        assert not raised, (name, raised)
    assert opened + refused == 15 and refused > 0
    win.open_preset("mazur")
    win.session.next()
    assert win.session.phase_index == 1


@pytest.mark.parametrize("kind", ["fifo", "folder", "markup"])
def test_importing_a_hostile_csv_is_one_dialog_and_keeps_the_data(win, tmp_path, dialogs, kind):
    p = tmp_path / "data.csv"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "folder":
        p.mkdir()
    else:
        p.write_text(f"i1,i2,o1,o2\n0.1,{MARKUP},0.2,0.3\n", encoding="utf-8")
    s = win.session
    before = s.doc.inputs.copy()
    t0 = time.perf_counter()
    assert win.data_editor.import_csv(str(p)) is False
    assert time.perf_counter() - t0 < 5
    assert len(dialogs) == 1 and dialogs[0][0] == "Cannot import the data"
    assert "<img" not in dialogs[0][2] and "\n" not in dialogs[0][1]
    assert np.array_equal(s.doc.inputs, before) and not s.modified
