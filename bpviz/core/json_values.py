"""Reading values out of a bpviz/1 file, with the JSON path in every message: the checks the
loader (:mod:`bpviz.core.fileformat`) applies to each key — a number, a finite number, an integer
in range, a string that is text, a list of a given length, a vector or matrix of a given shape,
an activation — and :class:`FormatError`, the one error a bad file gives.

Before any of that, reading (:func:`read_text`, :func:`decode`) keeps every file within
:mod:`bpviz.core.limits`: only regular files are read, never more than ``MAX_FILE_BYTES``; rows of
numbers are parsed straight into numpy arrays (:class:`Numbers`), so a data set costs 8 bytes per
number instead of a Python float and a list slot; everything else is counted before Python
builds it; a key that appears twice in an object is refused, naming it.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import secrets
import stat
from typing import Any

import numpy as np

from bpviz.core import limits
from bpviz.core.functions import ACTIVATION_NAMES, make_activation

__all__ = ["FormatError", "FileProblem", "Numbers", "read_regular", "read_text", "decode"]


def _printable(s: str) -> str:
    """``s`` with control characters and lone surrogates escaped, so it stays one line of text."""
    if s.isprintable() and s.isascii():
        return s
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class FormatError(ValueError):
    """A file that is not valid bpviz/1; the message names the JSON path."""

    def __init__(self, path: str, message: str, file: str | None = None) -> None:
        self.json_path = path
        self.reason = message
        self.file = file
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.json_path}: " if self.json_path else ""
        pre = f"{_printable(self.file)}: " if self.file else ""
        return f"{pre}{where}{self.reason}"

    def with_file(self, file: str) -> FormatError:
        return FormatError(self.json_path, self.reason, file)


# ------------------------------------------------------------------------------- reading a path
class FileProblem(ValueError):
    """A path that cannot be read as a file: a folder, a FIFO, a device, a symlink loop, too
    big, missing. The message is one line without the path (the caller adds it)."""


_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, what in _KINDS:
        if test(mode):
            return what
    return "is not a regular file"


def _stat_problem(path: str, e: OSError) -> str:
    import errno

    if e.errno == errno.ELOOP:
        return "symlink loop: the symbolic links never reach a file"
    if e.errno == errno.ENOENT:
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return f"a symbolic link to a missing file ({_printable(os.readlink(path))})"
        except (OSError, ValueError):
            pass
        return "no such file"
    if e.errno == errno.ENOTDIR:
        return "no such file (a part of the path is not a folder)"
    if e.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    if e.errno == errno.EACCES:
        return "cannot read: permission denied"
    return f"cannot read: {e.strerror or e}"


def read_regular(path: str | os.PathLike, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (symbolic links followed), at most
    ``max_bytes`` of them (default ``limits.MAX_FILE_BYTES``). Never opens a FIFO, a device or a
    folder, never blocks and never reads past the cap; any problem is a :class:`FileProblem` with
    a one-line reason."""
    max_bytes = limits.MAX_FILE_BYTES if max_bytes is None else max_bytes
    name = os.fsdecode(path)
    try:
        st = os.stat(name)
    except OSError as e:
        raise FileProblem(_stat_problem(name, e)) from None
    except ValueError:  # an embedded NUL
        raise FileProblem("not a valid file name (it contains a NUL character)") from None
    what = _not_regular(st.st_mode)
    if what:
        raise FileProblem(what)

    def too_big(size: int) -> FileProblem:
        return FileProblem(
            f"{limits.megabytes(size)} is more than bpviz reads (at most {limits.megabytes(max_bytes)})"
        )

    if st.st_size > max_bytes:
        raise too_big(st.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise FileProblem(_stat_problem(name, e)) from None
    try:
        st = os.fstat(fd)  # the file opened may not be the one looked at (a swap in between)
        what = _not_regular(st.st_mode)
        if what:
            raise FileProblem(what)
        parts, n = [], 0
        while True:
            block = os.read(fd, min(1 << 24, max_bytes + 1 - n))
            if not block:
                break
            parts.append(block)
            n += len(block)
            if n > max_bytes:
                raise too_big(n)
        return b"".join(parts)
    except OSError as e:
        raise FileProblem(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of a bpviz/1 file (a leading byte-order mark is skipped); any problem is
    a FormatError naming the file."""
    name = os.fsdecode(path)
    try:
        raw = read_regular(name)
    except FileProblem as e:
        raise FormatError("", str(e), name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad = raw[e.start : e.start + 1].hex()
        raise FormatError(
            "", f"not a text file (UTF-8 expected; byte 0x{bad} at offset {e.start:,})", name
        ) from None


# ------------------------------------------------------------------------------- rows of numbers
class Numbers:
    """A JSON array of numbers (1-D) or of equally long rows of numbers (2-D), parsed straight
    into a float64 array. The validators read it as they read a list; anything that keeps
    values as JSON (unknown keys) gets the list back with :meth:`plain`. Every number is finite
    and -0 (an integer) has been read as 0."""

    __slots__ = ("array", "_text", "_span")

    def __init__(self, array: np.ndarray, text: str, span: tuple[int, int]) -> None:
        self.array = array
        self._text = text
        self._span = span

    def __len__(self) -> int:
        return self.array.shape[0]

    def __getitem__(self, i):
        v = self.array[i]
        return _RowView(v, self, i) if isinstance(v, np.ndarray) else float(v)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def plain(self):
        """The array as JSON would have read it (integers stay integers)."""
        return json.loads(self._text[self._span[0] : self._span[1]])

    def preview(self) -> str:
        s, e = self._span
        return re.sub(r"[ \t\n\r]+", " ", self._text[s : min(e, s + 60)])


class _RowView(Numbers):
    """One row of a 2-D Numbers."""

    __slots__ = ("_parent", "_index")

    def __init__(self, array: np.ndarray, parent: Numbers | None = None, index: int = 0) -> None:
        self.array = array
        self._parent, self._index = parent, index

    def plain(self):
        return self.array.tolist()

    def preview(self) -> str:
        """The row as the plain JSON reader shows it ("[1]" where the file has 1, not "[1.0]")."""
        p = self._parent
        if p is not None and getattr(p, "_text", None) is not None:
            s, e = p._span
            i = self._index if self._index >= 0 else self._index + len(p)
            for n, m in enumerate(re.finditer(r"\[[^\[\]]*\]", p._text[s + 1 : e])):
                if n == i:
                    return _preview(json.loads(m.group(0)), 48)
        return json.dumps(self.array[:8].tolist())


_WS = "[ \t\n\r]"  # JSON's whitespace (re's \s would also take \f, \v and Unicode spaces)
_NUM = r"-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?+[0-9]++)?+"
_ROW = re.compile(rf"{_WS}*+{_NUM}{_WS}*+(?:,{_WS}*+{_NUM}{_WS}*+)*+")
_SEP = re.compile(rf"{_WS}*+,{_WS}*+")
_SPACE = re.compile(rf"{_WS}*+")
_NEG_INT_ZERO = re.compile(r"-0(?![0-9.eE])")  # JSON's -0 is the integer 0: keep its sign off
_NEXT = re.compile(r'["\[]')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"', re.S)
_RUN = re.compile(r"\[[0-9 \t\n\r.eE+\-,\[\]]*+")
_BRACKET = re.compile(r"[\[\]]")
FAST_MIN_TEXT = 1 << 16  # texts shorter than this are parsed by json alone
FAST_MIN_SPAN = 2048  # a run of numbers shorter than this stays with json
_MAX_BRACKETS = 4 * limits.MAX_SAMPLES  # a run with more is left to json (and its count)


class _Fast:
    """Finds the big arrays of numbers in a JSON text and parses them with numpy; the rest of
    the text, with a placeholder string in place of each array, goes to json."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.nonce = secrets.token_hex(6)
        self.prefix = f"\x00bpviz:{self.nonce}:"
        self.found: list[Numbers] = []
        self.spans: list[tuple[int, int]] = []  # the arrays' spans in the original text
        self.numbers = 0

    def run(self) -> bool:
        """Find and parse the arrays; False when the text is not worth it or not well formed
        (json then reads it all and says what is wrong)."""
        text, pos, n = self.text, 0, len(self.text)
        while pos < n:
            m = _NEXT.search(text, pos)
            if m is None:
                break
            pos = m.start()
            if text[pos] == '"':
                s = _STRING.match(text, pos)
                if s is None:
                    return False  # a string without its closing quote
                pos = s.end()
                continue
            r = _RUN.match(text, pos)
            end = r.end()
            close = text.rfind("]", pos, end) + 1
            if close - pos >= FAST_MIN_SPAN and text.count("[", pos, close) <= _MAX_BRACKETS:
                self._run(pos, close)
            pos = max(end, pos + 1)
        return True

    def _run(self, start: int, end: int) -> None:
        stack: list[list] = []  # open arrays: [start, children]
        top: list[tuple] = []
        for m in _BRACKET.finditer(self.text, start, end):
            i = m.start()
            if self.text[i] == "[":
                stack.append([i, []])
            elif stack:
                s, children = stack.pop()
                node = (s, i + 1, children)
                (stack[-1][1] if stack else top).append(node)
        for frame in stack:  # arrays left open: their finished children still count
            top.extend(frame[1])
        for node in top:
            self._node(node, force=False, depth=0)

    def _leaf_count(self, node) -> int:
        """The numbers in a leaf array, or -1 when it is not a plain row of JSON numbers."""
        s, e, _ = node
        if e - s <= 2 or not _ROW.fullmatch(self.text, s + 1, e - 1):
            return -1
        if _NEG_INT_ZERO.search(self.text, s, e):
            return -1
        return self.text.count(",", s, e) + 1

    def _node(self, node, force: bool, depth: int) -> None:
        s, e, children = node
        big = force or e - s >= FAST_MIN_SPAN
        if not big or depth > 4:
            return
        if not children:
            k = self._leaf_count(node)
            if k > 0:
                self._take(node, [k])
            return
        counts = [self._leaf_count(c) if not c[2] else -1 for c in children]
        if (
            all(k > 0 for k in counts)
            and len(set(counts)) == 1
            and self._separated(node)
            and self._take(node, counts)
        ):
            return
        # the rows of a big array that is not one block (a row too short, one bad number) are
        # still read one by one; arrays inside it only when big themselves
        big_rows = e - s >= FAST_MIN_SPAN
        for c in children:
            self._node(c, force=big_rows and not c[2], depth=depth + 1)

    def _separated(self, node) -> bool:
        """Only commas and spaces between the children: ``[[1, 2], [3, 4]]``."""
        s, e, children = node
        t = self.text
        if not _SPACE.fullmatch(t, s + 1, children[0][0]) or not _SPACE.fullmatch(t, children[-1][1], e - 1):
            return False
        return all(_SEP.fullmatch(t, a[1], b[0]) for a, b in zip(children, children[1:], strict=False))

    def _take(self, node, counts: list[int]) -> bool:
        s, e, children = node
        total = sum(counts)
        if self.numbers + total > limits.MAX_FILE_NUMBERS:
            raise FormatError(
                "",
                f"more than {limits.MAX_FILE_NUMBERS:,} numbers in the file (bpviz's limit)",
            )
        t = self.text
        if children:
            a = np.empty((len(children), counts[0]))
            for i, (cs, ce, _) in enumerate(children):
                row = np.fromstring(t[cs + 1 : ce - 1], sep=",")
                if row.shape[0] != counts[0]:
                    return False
                a[i] = row
        else:
            a = np.fromstring(t[s + 1 : e - 1], sep=",")
            if a.shape[0] != counts[0]:
                return False
        if not np.isfinite(a).all():
            return False  # json reads it, and the loader names the number
        self.numbers += total
        self.found.append(Numbers(a, t, (s, e)))
        self.spans.append((s, e))
        return True

    def reduced(self) -> tuple[str, list[int], list[int]]:
        """The text with a placeholder for each array, and where each placeholder starts and
        ends in it (to map a JSON error back to the original)."""
        order = sorted(range(len(self.spans)), key=lambda i: self.spans[i][0])
        self.found = [self.found[i] for i in order]
        self.spans = [self.spans[i] for i in order]
        parts, starts, ends, pos, at = [], [], [], 0, 0
        for i, (s, e) in enumerate(self.spans):
            parts.append(self.text[pos:s])
            at += s - pos
            ph = f'"\\u0000bpviz:{self.nonce}:{i}"'
            parts.append(ph)
            starts.append(at)
            at += len(ph)
            ends.append(at)
            pos = e
        parts.append(self.text[pos:])
        return "".join(parts), starts, ends

    def original_position(self, pos: int, starts: list[int], ends: list[int]) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        if pos < ends[i]:
            return self.spans[i][0]
        return pos - ends[i] + self.spans[i][1]


# ------------------------------------------------------------------------------- decoding
class _Dup(dict):
    """An object in which a key appears twice (``dup``); the scan reports it with its path."""

    dup: str = ""


class _KeyPlaceholder(dict):
    """An object with an array where a key belongs (not JSON)."""


def _pairs_hook(prefix: str | None):
    def pairs(pairs):
        d = dict(pairs)
        if len(d) != len(pairs):
            seen = set()
            for k, _ in pairs:
                if k in seen:
                    out = _Dup(d)
                    out.dup = k
                    return out
                seen.add(k)
        if prefix is not None and any(k.startswith(prefix) for k in d):
            return _KeyPlaceholder(d)
        return d

    return pairs


def _value_count(text: str) -> int:
    """At most this many JSON values in ``text`` (each needs a comma or an opening bracket)."""
    return text.count(",") + text.count("[") + text.count("{") + 1


def decode(text: str) -> Any:
    """The JSON value of ``text``, within bpviz's limits: big arrays of numbers as
    :class:`Numbers`, every string Unicode text, no key twice in an object, every number finite
    (else FormatError naming its JSON path)."""
    if len(text) > limits.MAX_FILE_BYTES:
        raise FormatError(
            "",
            f"{limits.megabytes(len(text))} of text is more than bpviz reads "
            f"(at most {limits.megabytes(limits.MAX_FILE_BYTES)})",
        )
    fast = _Fast(text) if len(text) >= FAST_MIN_TEXT else None
    if fast is not None and not (fast.run() and fast.found):
        fast = None
    if fast is not None:
        reduced, starts, ends = fast.reduced()
    else:
        reduced, starts, ends = text, [], []
    n = _value_count(reduced)
    if n > limits.MAX_JSON_VALUES:
        raise FormatError(
            "",
            f"too many JSON values (about {n:,} besides rows of numbers; bpviz reads at most "
            f"{limits.MAX_JSON_VALUES:,})",
        )
    try:
        obj = json.loads(
            reduced,
            parse_constant=_NonFinite,
            parse_float=_parse_float,
            object_pairs_hook=_pairs_hook(fast.prefix if fast else None),
        )
    except json.JSONDecodeError as e:
        pos = fast.original_position(e.pos, starts, ends) if fast else e.pos
        line = text.count("\n", 0, pos) + 1
        col = pos - text.rfind("\n", 0, pos)
        raise FormatError("", f"not valid JSON: {e.msg}: line {line} column {col} (char {pos})") from None
    except ValueError as e:  # an integer too long for Python to read
        raise FormatError("", f"not valid JSON: {e}") from None
    except RecursionError:
        raise FormatError("", "not valid JSON: nested too deeply") from None
    return _scan(obj, fast)


def _scan(obj: Any, fast: _Fast | None) -> Any:
    """Put the arrays back in place of their placeholders and find the first problem in
    document order: a key twice, a number that is not finite, a string that is not text,
    nesting past MAX_DEPTH."""
    prefix = fast.prefix if fast else None
    found = fast.found if fast else []
    plain_numbers = {int, float}

    def check_str(s: str, path: str) -> None:
        if not s.isascii():
            m = _SURROGATE.search(s)
            if m:
                raise FormatError(
                    path,
                    f"contains a lone surrogate (U+{ord(m.group()):04X}) at character {m.start() + 1:,}, "
                    "which is not Unicode text",
                )

    def placeholder(s: str):
        if prefix is not None and s.startswith(prefix):
            return found[int(s[len(prefix) :])]
        return None

    # an explicit stack, not recursion: (container, key in it, value, path, depth)
    stack: list[tuple] = [(None, None, obj, "", 0)]
    root = obj
    while stack:
        parent, key, v, path, depth = stack.pop()
        if depth > limits.MAX_DEPTH:
            raise FormatError(path, f"nested more than {limits.MAX_DEPTH} levels deep (bpviz's limit)")
        if isinstance(v, str):
            num = placeholder(v)
            if num is not None:
                if parent is None:
                    root = num
                else:
                    parent[key] = num
            else:
                check_str(v, path)
        elif isinstance(v, _NonFinite):
            raise FormatError(path, f"expected a finite number, got {v.token}")
        elif isinstance(v, dict):
            if isinstance(v, _Dup):
                p = f"{path}.{_key(v.dup)}" if path else _key(v.dup)
                raise FormatError(p, "this key appears more than once in its object (a duplicate key)")
            if isinstance(v, _KeyPlaceholder):
                raise FormatError(path, "not valid JSON: a list where a key belongs")
            items = list(v.items())
            for k, x in reversed(items):
                p = f"{path}.{_key(k)}" if path else _key(k)
                check_str(k, p)
                if not (type(x) in plain_numbers or x is None or isinstance(x, bool)):
                    stack.append((v, k, x, p, depth + 1))
        elif isinstance(v, list):
            if v and set(map(type, v)) <= plain_numbers:
                continue  # finite numbers only (a non-finite one is a _NonFinite)
            for i in range(len(v) - 1, -1, -1):
                x = v[i]
                if not (type(x) in plain_numbers or x is None or isinstance(x, bool)):
                    stack.append((v, i, x, f"{path}[{i}]", depth + 1))
    return root


_SURROGATE = re.compile("[\ud800-\udfff]")


def plain(v: Any) -> Any:
    """``v`` with every :class:`Numbers` in it turned back into lists (for keys the loader
    keeps without reading: they are saved as they came)."""
    if isinstance(v, Numbers):
        return v.plain()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


# ------------------------------------------------------------------------------- values
def _show(v: Any) -> str:
    """A value as it appears in the file, cut to 40 characters (never the whole of a big one)."""
    s = _printable(v.preview() if isinstance(v, Numbers) else _preview(v, 48))
    return s if len(s) <= 40 else s[:37] + "..."


def _preview(v: Any, budget: int) -> str:
    """JSON text of ``v``, stopping once ``budget`` characters are written."""
    if isinstance(v, Numbers):
        return v.preview()
    if isinstance(v, list):
        out, used = [], 1
        for x in v:
            if used > budget:
                out.append("...")
                break
            s = _preview(x, budget - used)
            out.append(s)
            used += len(s) + 2
        return "[" + ", ".join(out) + "]"
    if isinstance(v, dict):
        out, used = [], 1
        for k, x in v.items():
            if used > budget:
                out.append("...")
                break
            s = _preview(k, budget - used) + ": " + _preview(x, budget - used)
            out.append(s)
            used += len(s) + 2
        return "{" + ", ".join(out) + "}"
    if isinstance(v, str) and len(v) > budget:
        v = v[:budget]
    if isinstance(v, _NonFinite):
        return v.token
    try:
        return json.dumps(v, allow_nan=True)
    except (TypeError, ValueError):
        return repr(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v: Any, path: str) -> float:
    if not _is_number(v):
        raise FormatError(path, f"expected a number, got {_show(v)}")
    try:
        f = float(v)
    except OverflowError:
        raise FormatError(path, f"expected a finite number, got {_show(v)}") from None
    if not math.isfinite(f):
        raise FormatError(path, f"expected a finite number, got {_show(v)}")
    return f


def _int(v: Any, path: str, low: int | None = None, what: str = "an integer") -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    if low is not None and v < low:
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    return v


def _string(v: Any, path: str) -> str:
    if not isinstance(v, str):
        raise FormatError(path, f"expected a string, got {_show(v)}")
    return v


# control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
# controls that reorder the text around them (a label could make "0.5" read as "5.0")
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


def _char_kind(c: str) -> str:
    if c in "\u2028\u2029":
        return "a line separator"
    if ord(c) >= 0x600:
        return "a bidirectional control character"
    return "a control character"


def _text(v: Any, path: str, max_chars: int, multiline: bool = False) -> str:
    """A string shown to people: at most ``max_chars`` characters, no control characters
    (``multiline``: tabs and line breaks allowed), no bidirectional controls."""
    s = _string(v, path)
    if len(s) > max_chars:
        raise FormatError(path, f"expected at most {max_chars:,} characters (bpviz's limit), got {len(s):,}")
    m = (_CONTROL_MULTILINE if multiline else _CONTROL).search(s)
    if m:
        c = m.group()
        raise FormatError(
            path,
            f"contains {_char_kind(c)} (U+{ord(c):04X}) at character {m.start() + 1:,}, not allowed here",
        )
    return s


def _list(v: Any, path: str, n: int | None = None, what: str = "a list") -> list:
    if not isinstance(v, (list, Numbers)):
        raise FormatError(path, f"expected {what}, got {_show(v)}")
    if n is not None and len(v) != n:
        raise FormatError(path, f"expected {n} entries, got {len(v)}")
    return v


_PLAIN_NUMBERS = {int, float}


def _vector(v: Any, path: str, n: int) -> np.ndarray:
    _list(v, path, n, f"a list of {n} numbers")
    if isinstance(v, Numbers) and v.array.ndim == 1:
        return v.array
    if isinstance(v, list) and v and set(map(type, v)) <= _PLAIN_NUMBERS:
        try:
            a = np.array(v, dtype=np.float64)
        except OverflowError:  # an integer past float's range: the slow path names it
            a = None
        if a is not None and np.isfinite(a).all():
            return a
    return np.array([_number(x, f"{path}[{i}]") for i, x in enumerate(v)], dtype=np.float64)


def _matrix(v: Any, path: str, rows: int, cols: int) -> np.ndarray:
    _list(v, path, rows, f"a {rows}×{cols} matrix (a list of {rows} rows)")
    if isinstance(v, Numbers) and v.array.ndim == 2 and v.array.shape[1] == cols:
        return v.array
    out = np.empty((rows, cols))
    for i, r in enumerate(v):
        out[i] = _vector(r, f"{path}[{i}]", cols)
    return out


def _activation(v: Any, path: str):
    if isinstance(v, str):
        if v not in ACTIVATION_NAMES:
            raise FormatError(
                path, f"unknown activation {_show(v)} (expected one of {', '.join(ACTIVATION_NAMES)})"
            )
        return make_activation(v)
    if isinstance(v, dict):
        name = v.get("name")
        if not isinstance(name, str) or name not in ACTIVATION_NAMES:
            raise FormatError(
                f"{path}.name",
                f"unknown activation {_show(name)} (expected one of {', '.join(ACTIVATION_NAMES)})",
            )
        for key in v:
            if key not in ("name", "slope"):
                raise FormatError(f"{path}.{_key(key)}", "unknown key")
        slope = 1.0
        if "slope" in v:
            if name != "linear":
                raise FormatError(f"{path}.slope", "only the linear activation has a slope")
            slope = _number(v["slope"], f"{path}.slope")
        return make_activation(name, slope)
    raise FormatError(path, f"expected an activation name or object, got {_show(v)}")


class _NonFinite:
    """Stands for NaN, Infinity or an overflowing literal until its JSON path is known."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _parse_float(token: str):
    f = float(token)
    return f if math.isfinite(f) else _NonFinite(token)


def _find_non_finite(v: Any, path: str = "") -> tuple[str, str] | None:
    """The JSON path and text of the first non-finite number, if any (kept for callers that
    decode JSON themselves; :func:`decode` finds them as it goes)."""
    try:
        _scan(v, None)
    except FormatError as e:
        if e.reason.startswith("expected a finite number, got "):
            return e.json_path, e.reason.removeprefix("expected a finite number, got ")
    return None


def _key(k: str) -> str:
    """A key as a JSON path shows it: bare when it is a plain name, else quoted (and cut
    short: a path stays one readable line)."""
    if k.isidentifier() and len(k) <= 40:
        return k
    return json.dumps(k if len(k) <= 40 else k[:37] + "...")
