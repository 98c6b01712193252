"""The window's actions and menus (gui.actions): every shortcut works and Help → Keyboard
shortcuts lists it; every action can be reached from a menu or the toolbar."""

import re

from PySide6.QtWidgets import QToolBar

from bpviz.gui.actions import ACTIONS, SHORTCUTS_HTML


def _listed_keys() -> set[str]:
    return set(re.findall(r"<b>([^<]+)</b>", SHORTCUTS_HTML))


def _menu_actions(menu) -> list:
    out = []
    for a in menu.actions():
        out.append(a)
        if a.menu() is not None:
            out += _menu_actions(a.menu())
    return out


def test_every_shortcut_is_set_and_listed_in_help(win):
    listed = _listed_keys()
    shortcut_actions = [a for a in win.actions() if a.shortcuts()] + [win.act_undo, win.act_redo]
    assert len(shortcut_actions) > 20
    for a in shortcut_actions:
        keys = [k.toString() for k in a.shortcuts()]
        assert all(keys), f"{a.text()} has an empty shortcut: {keys}"
        assert keys[0] in listed, f"{a.text()}: {keys[0]} is not in Help → Keyboard shortcuts"


def test_quit_is_ctrl_q_on_every_platform(win):
    assert [k.toString() for k in win.act_quit.shortcuts()] == ["Ctrl+Q"]


def test_every_action_is_in_a_menu_or_the_toolbar(win):
    reachable = set()
    for top in win.menuBar().actions():
        reachable.update(_menu_actions(top.menu()))
    for tb in win.findChildren(QToolBar):
        reachable.update(tb.actions())
    for spec in ACTIONS:
        a = getattr(win, f"act_{spec.name}")
        assert a in reachable, spec.name
        assert a.text() == spec.text and (a.toolTip() == spec.tip if spec.tip else True)


def test_menus_and_their_order(win):
    def texts(title):
        m = next(a.menu() for a in win.menuBar().actions() if a.text() == title)
        return [a.text() or "—" for a in m.actions()]

    assert texts("&File") == [
        "&New network…",
        "&Open…",
        "Open &Recent",
        "&Save",
        "Save &As…",
        "—",
        "&Export image…",
        "&Copy image",
        "&Quick export",
        "Quick export &folder…",
        "Export &worked example…",
        "Export error &history (CSV)…",
        "—",
        "&Quit",
    ]
    assert texts("&Edit") == ["&Undo", "&Redo", "—", "Edit &weight…", "&Network…", "&Data…"]
    assert texts("&Training") == [
        "&Train / Pause",
        "Train from &here",
        "&Back to live",
        "—",
        "&Stop",
        "&One step",
        "&Reset to the file's weights",
        "Re-&initialise weights…",
    ]
    assert texts("&Help") == ["&Keyboard shortcuts", "&About bpviz"]
