"""Text from a file is shown as text: the one place where the window makes a string it did not
write (a title, a layer or neuron name, a path, a loader's message quoting the file) safe to
hand to Qt.

Many Qt widgets guess the format: a ``QLabel``, a ``QMessageBox``, every tooltip read a string
as rich text when its first line looks like HTML (``Qt::mightBeRichText``), and rich text loads
the images it names — a title ``<img src='/dev/zero'>`` made the window read /dev/zero until
it aborted. So:

- :func:`displayable` — any string as something Qt can show: lone surrogates and control
  characters replaced by U+FFFD, bidirectional overrides and isolates removed (a name cannot
  turn the rest of a line around), cut to a length with the count of what was left out.
- :func:`escaped` — that, escaped for a rich-text place (a widget that is always rich text).
- :func:`auto` — that, for a place that *guesses* (message boxes, tooltips): the text itself
  when Qt will take it as plain, otherwise escaped rich text that shows exactly the same
  characters.
- :func:`warn` and :func:`ask` — ``QMessageBox.warning`` / ``question`` with the title and
  text made safe (tests record the boxes by replacing those two static functions);
  :func:`menu_text` — a name for a menu entry (``&`` is not a shortcut marker).
"""

from __future__ import annotations

import html
import re

from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = [
    "MAX_MESSAGE",
    "MAX_NAME",
    "displayable",
    "escaped",
    "auto",
    "warn",
    "ask",
    "menu_text",
    "to_plain",
]

MAX_MESSAGE = 2_000  # characters of a message shown in a dialog (a longer one is cut)
MAX_NAME = 200  # characters of a name or title in a one-line place (status bar, window title)

# lone surrogates (from a "\ud800" escape in JSON), C0 controls but tab and newline, DEL, C1
_UNSHOWABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
# embeddings, overrides and isolates: a name with U+202E would show the rest of its line backwards
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def displayable(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` (any object, as ``str``) as characters Qt shows one by one, at most about
    ``limit`` of them: a longer text is cut with "… (N more characters)"."""
    s = text if isinstance(text, str) else str(text)
    if len(s) > limit:
        s = f"{s[:limit]}… ({len(s) - limit:,} more characters)"
    s = _UNSHOWABLE.sub("\ufffd", s)
    return _BIDI_CONTROLS.sub("", s)


def escaped(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` for a rich-text place: escaped, line breaks as ``<br>``."""
    return html.escape(displayable(text, limit), quote=True).replace("\n", "<br>")


def auto(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` for a place that guesses plain or rich (a message box, a tooltip). Without
    ``<`` or ``&`` Qt takes it as plain, as it is; otherwise it becomes escaped rich text
    (a paragraph) that shows the same characters."""
    s = displayable(text, limit)
    if "<" not in s and "&" not in s:
        return s
    return "<p>" + html.escape(s, quote=False).replace("\n", "<br>") + "</p>"


def to_plain(text: str) -> str:
    """What a guessing place shows for ``text`` made by :func:`auto` (for tests and logs)."""
    if not text.startswith("<p>"):
        return text
    return html.unescape(text[3:-4].replace("<br>", "\n"))


def menu_text(text: object, limit: int = MAX_NAME) -> str:
    """A name as a menu entry's text: ``&`` doubled (Qt reads one as a shortcut marker)."""
    return displayable(text, limit).replace("&", "&&")


def warn(parent: QWidget | None, title: str, text: object) -> None:
    """A warning box whose title and text are shown exactly as written."""
    QMessageBox.warning(parent, displayable(title, MAX_NAME), auto(text))


def ask(parent: QWidget | None, title: str, text: object, buttons, default):
    """A question box whose title and text are shown exactly as written; the button chosen."""
    return QMessageBox.question(parent, displayable(title, MAX_NAME), auto(text), buttons, default)
