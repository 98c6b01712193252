"""Saves that do what a desktop user expects (the window's saves and exports, the command
line's ``-o``), in one place:

* **Atomic**: a temporary file ``.NAME.XXXXXXXX.tmp`` in the target's folder, then a rename over
  the target, so a failure or an interrupt mid-write leaves the old file intact, never a
  half-written one. The temporary file is removed when a write fails or is interrupted
  (``KeyboardInterrupt`` included); one left by a killed process is swept by the next save of
  the same file once it is older than :data:`STALE_TEMP_SECONDS`.
* **Through symbolic links**: a path that is a link (or a chain of links) replaces the link's
  *target*, atomically, and keeps the link, as editors do; a dangling link creates its target.
  A link loop is an error (ELOOP) that says so.
* **Read-only files are not replaced silently**: :func:`write_atomic` raises
  :class:`ReadOnlyFileError` unless ``replace_read_only=True`` (the window asks first; the
  command line refuses). :func:`is_read_only` and :func:`check_writable` ask before writing.
* **Every error names the path**: each ``OSError`` raised has ``filename`` set to the path the
  caller gave (never the temporary file's), and a ``strerror`` that says why.

An existing file that is not a regular file (``/dev/null``, a pipe, a terminal) cannot be
replaced: it is written directly, as a shell's ``>`` does.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path

__all__ = [
    "write_atomic",
    "check_writable",
    "is_read_only",
    "write_target",
    "temp_name_pattern",
    "sweep_stale_temps",
    "ReadOnlyFileError",
    "STALE_TEMP_SECONDS",
]

STALE_TEMP_SECONDS = 60.0  # a temporary file older than this is a killed save's: swept
_TEMP_CHARS = "[a-z0-9_]{8}"  # tempfile.mkstemp's random part: 8 of a-z, 0-9 and _


class ReadOnlyFileError(PermissionError):
    """The file exists and is read-only (:func:`is_read_only`): :func:`write_atomic` replaces
    it only with ``replace_read_only=True``, after the user agreed."""


def _error(cls, code: int, message: str, path) -> OSError:
    return cls(code, message, os.fspath(path))


def write_target(path: str | os.PathLike) -> Path:
    """The file a save to ``path`` replaces: ``path`` itself, or the end of its chain of
    symbolic links (which need not exist: a dangling link's target is created). OSError
    (ELOOP) for a link loop."""
    p = Path(os.path.abspath(path))
    if not p.is_symlink():
        return p
    real = Path(os.path.realpath(p))
    if real.is_symlink():  # realpath stops where it meets a loop
        raise _error(OSError, errno.ELOOP, "a loop of symbolic links (the link leads back to itself)", path)
    return real


def _stat(target: Path) -> os.stat_result | None:
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None


def is_read_only(path: str | os.PathLike) -> bool:
    """``path`` (or its link's target) exists and is read-only: this user may not write it, or
    it has no write permission for anyone (root could replace it, but, as editors do, it is
    replaced only when the user says so)."""
    try:
        target = write_target(path)
        st = _stat(target)
    except OSError:
        return False
    if st is None or not stat.S_ISREG(st.st_mode):
        return False
    return not (st.st_mode & 0o222) or not os.access(target, os.W_OK)


def check_writable(path: str | os.PathLike, *, replace_read_only: bool = False) -> Path:
    """Raise the error :func:`write_atomic` would raise for what can be known before writing:
    a folder in the way (IsADirectoryError), a missing folder (FileNotFoundError), a folder that
    cannot be written (PermissionError), a read-only file (:class:`ReadOnlyFileError`, unless
    ``replace_read_only``), a link loop (ELOOP). Returns the file that would be replaced (the
    link's target for a link). Nothing is created."""
    target = write_target(path)
    st = _stat(target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _error(IsADirectoryError, errno.EISDIR, "is a folder, expected a file name", path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        return target  # a device or a pipe: written directly
    folder = target.parent
    if not folder.is_dir():
        raise _error(FileNotFoundError, errno.ENOENT, f"folder {folder} does not exist", path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _error(PermissionError, errno.EACCES, f"folder {folder} is not writable", path)
    if st is not None and not replace_read_only and is_read_only(target):
        where = "" if target == Path(os.path.abspath(path)) else f" (the link's target {target})"
        raise _error(ReadOnlyFileError, errno.EACCES, f"the file is read-only{where}", path)
    return target


def temp_name_pattern(name: str) -> re.Pattern:
    """The names of the temporary files a save of the file ``name`` creates beside it."""
    return re.compile(rf"\.{re.escape(name)}\.{_TEMP_CHARS}\.tmp\Z")


def sweep_stale_temps(target: str | os.PathLike, older_than: float = STALE_TEMP_SECONDS) -> list[str]:
    """Remove the temporary files of saves of ``target`` that a killed process left behind
    (regular files named as :func:`temp_name_pattern` says, not modified for ``older_than``
    seconds); returns their names. Errors are ignored: sweeping never stops a save."""
    t = Path(target)
    pattern = temp_name_pattern(t.name)
    now = time.time()
    gone = []
    with contextlib.suppress(OSError), os.scandir(t.parent) as it:
        for entry in it:
            if not pattern.match(entry.name):
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                    os.unlink(entry.path)
                    gone.append(entry.name)
    return gone


def _named(e: OSError, path) -> OSError:
    """``e`` naming the caller's path (not the temporary file's)."""
    if e.errno is None:  # an OSError made from one message has no place for a name
        return e
    if e.filename == os.fspath(path) and e.filename2 is None:
        return e
    try:
        named = type(e)(e.errno, e.strerror, os.fspath(path))
    except Exception:  # a subclass with another constructor: keep its own words
        return e
    return named


def _open_mode(data) -> tuple[str, dict]:
    if isinstance(data, bytes | bytearray | memoryview):
        return "wb", {}
    return "w", {"encoding": "utf-8", "newline": "\n"}


def _write_directly(path, data) -> None:
    mode, kw = _open_mode(data)
    try:
        with open(path, mode, **kw) as f:
            f.write(data)
    except OSError as e:
        raise _named(e, path) from None


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | os.PathLike, data: str | bytes, *, replace_read_only: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder (the folder of
    the link's target when ``path`` is a symbolic link): text as UTF-8 with ``\\n`` line ends,
    bytes (an image, say) as they are. An existing file keeps its permissions; a new one gets
    the usual ones (0666 less the umask). A read-only file raises :class:`ReadOnlyFileError`
    unless ``replace_read_only``; every OSError names ``path``."""
    try:
        target = check_writable(path, replace_read_only=replace_read_only)
        st = _stat(target)
    except OSError as e:
        raise _named(e, path) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_directly(path, data)
        return
    if st is not None:
        mode = st.st_mode & 0o7777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    sweep_stale_temps(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        mode_text, kw = _open_mode(data)
        try:
            f = os.fdopen(fd, mode_text, **kw)
        except BaseException:
            os.close(fd)
            raise
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(target.parent)
    except OSError as e:
        raise _named(e, path) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
