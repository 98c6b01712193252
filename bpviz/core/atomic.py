"""Atomic writes: a temporary file in the target's folder, then a rename over the target, so
a crash mid-write leaves the old file intact and never a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: text as UTF-8
    with ``\\n`` line ends, bytes (an image, say) as they are. An existing file keeps its
    permissions; a new one gets the usual ones (0666 less the umask)."""
    p = Path(path)
    try:
        mode = p.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        if isinstance(data, bytes | bytearray | memoryview):
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
