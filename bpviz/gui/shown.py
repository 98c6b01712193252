"""Widgets that work only while someone looks (the data plane, the loss landscape): a widget
in a dock tabbed behind another stays "visible" to Qt, moved off the window, so being on
screen means visible *and*, in a dock, the dock's ``visibilityChanged`` saying it is shown.

:class:`WhileShown` is a mixin for such a ``QWidget`` (put it first among the bases): it keeps
``shown`` and calls ``_shown_changed(on)`` when that turns.
"""

from __future__ import annotations

__all__ = ["WhileShown"]


class WhileShown:
    _shown = False
    _in_dock = False
    _dock_shown = True

    def follow_dock(self, dock) -> None:
        """Shown only while ``dock`` is (its ``visibilityChanged``)."""
        self._in_dock = True
        self._dock_shown = False
        dock.visibilityChanged.connect(self._dock_visibility)

    def _dock_visibility(self, on: bool) -> None:
        self._dock_shown = bool(on)
        self._update_shown()

    def showEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().showEvent(ev)
        self._update_shown()

    def hideEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(ev)
        self._update_shown()

    @property
    def shown(self) -> bool:
        """Is the widget on screen (so worth computing and drawing for)?"""
        return self._shown

    def _update_shown(self) -> None:
        on = self.isVisible() and (self._dock_shown if self._in_dock else True)
        if on == self._shown:
            return
        self._shown = on
        self._shown_changed(on)

    def _shown_changed(self, on: bool) -> None:
        """The widget came on screen (``on``) or left it."""
