"""Long work on the command line: progress on a terminal, and Ctrl+C that ends cleanly.

* :class:`Progress` — once work has run for ``show_after`` seconds, one line on stderr,
  rewritten in place (``train: step 1,234,567 of 100,000,000 (1 %), about 3 min left;
  Ctrl+C stops``), and a newline when it ends, so whatever follows starts on its own line.
  Only when stderr is a terminal: scripts and tests see exactly the output they always saw.
* :func:`deferred_interrupt` — around work that must not be cut in the middle (Qt drawing
  offscreen: a ``KeyboardInterrupt`` inside one of Qt's callbacks would print a traceback and
  carry on), the first Ctrl+C is remembered and raised when the work ends; a second one ends
  the process at once (exit status 130, one line).

``bpviz.cli.main`` turns the ``KeyboardInterrupt`` into exit status 130 and ``bpviz:
interrupted``. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["Progress", "deferred_interrupt", "duration_text", "INTERRUPTED"]

INTERRUPTED = "bpviz: interrupted"


def duration_text(seconds: float) -> str:
    """``12 s``, ``3 min``, ``2.5 h``, ``4 days``: how long, roughly."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


class Progress:
    """``progress(done)`` or ``progress(done, total)`` after each piece of work; returns True
    (so it can be a core callback whose False means "stop"). Use as a context manager, or call
    :meth:`close` at the end."""

    def __init__(
        self,
        what: str,
        total: int,
        unit: str = "",
        *,
        stream=None,
        show_after: float = 1.0,
        every: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.total, self.unit = what, int(total), unit
        self.stream = sys.stderr if stream is None else stream
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.enabled = False
        self.show_after, self.every, self.clock = show_after, every, clock
        self.start = clock()
        self.last = None  # when the line was last written
        self.width = 0  # of the line on screen
        self.shown = False

    def text(self, done: int, now: float) -> str:
        total = max(self.total, 1)
        unit = f"{self.unit} " if self.unit else ""
        line = f"{self.what}: {unit}{done:,} of {self.total:,} ({100 * done / total:.0f} %)"
        elapsed = now - self.start
        if 0 < done < self.total and elapsed > 0:
            line += f", about {duration_text(elapsed * (self.total - done) / done)} left"
        return line + "; Ctrl+C stops"

    def __call__(self, done: int, total: int | None = None) -> bool:
        if total is not None:
            self.total = int(total)
        if not self.enabled:
            return True
        now = self.clock()
        if now - self.start < self.show_after or (self.last is not None and now - self.last < self.every):
            return True
        self.last = now
        line = self.text(int(done), now)
        with contextlib.suppress(OSError, ValueError):
            cols = os.get_terminal_size(self.stream.fileno()).columns
            if cols >= 40:  # (a terminal that does not say its width reports 0)
                line = line[: cols - 1]
        self.shown = True  # before writing: a Ctrl+C during the write still ends the line
        self.width = max(self.width, len(line))
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        return True

    update = __call__

    def close(self) -> None:
        """End the line (if one was shown): what follows starts on a line of its own."""
        if self.shown:
            with contextlib.suppress(OSError, ValueError):
                self.stream.write("\n")
                self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl+C until the block ends, then raise ``KeyboardInterrupt``; a second Ctrl+C ends
    the process at once (exit status 130). Does nothing outside the main thread or when SIGINT
    is not Python's default handler (ignored by the parent, say)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    pressed = []

    def hold(signum, frame):
        if pressed:  # the second Ctrl+C: now
            with contextlib.suppress(Exception):
                sys.stderr.write(INTERRUPTED + "\n")
                sys.stderr.flush()
            os._exit(130)
        pressed.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt
