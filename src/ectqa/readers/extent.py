"""The grid calamine would build for a sheet, bounded from the sheet's XML without parsing it.

calamine places a cell by its `r` attribute (`r="AB12"`), or, where a cell has none, one column
after the previous cell (and a row without `r` one row after the previous row); then it allocates
a dense grid up to the furthest cell. To bound that grid before calamine runs, every `r` value in
the part counts, on any element, in either quotes, with blanks around `=`, in any letter case and
length (an over-estimate is safe, an under-estimate is not), and cells and rows without one are
counted where they could push the grid further. The same pass notes what the side-scan
(xlsx_scan) needs: which of its byte strings occur, and each cell's style.

The work is numpy over windows of 1 MB: a regex, or Python per cell, costs as much as calamine's
own parse. Every test keys on a byte position (a `<`, an `=` or a `:`) that lies in exactly one
window; reads run a little past the window, into the next one or the buffer's zero padding.
"""

from __future__ import annotations

import re

import numpy as np

WINDOW = 1 << 20
PAD = 128  # bytes after the XML (zeros at the end): every look-ahead stays inside the buffer
LOOK = 32  # blanks looked past around an odd `=` before the exact (slower) search takes over
ODD_LIMIT = 10_000  # such `=` signs, or absurd references, before a sheet counts as crafted


def _table(chars: bytes) -> np.ndarray:
    out = np.zeros(256, dtype=bool)
    out[list(chars)] = True
    return out


_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BLANK = _table(b" \t\r\n")
_DIGIT = _table(b"0123456789")
_LETTER = _table(_UPPER + _UPPER.lower())
_WORD = _LETTER | _DIGIT | _table(b"_")  # a bytes regex's \w
_NAME = _WORD | _table(b".:-")  # characters of an XML name
_NAME[128:] = True
_QUOTE = _table(b"\"'")
_AFTER_NAME = _BLANK | _table(b"/>")  # what may follow an element's name
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_NINES = np.uint64(0x7676767676767676)  # added to a byte minus "0": reaches the high bit from 10 up
_HIGH = np.uint64(0x8080808080808080)
_ONE = np.uint64(1)
_CASE = np.uint64(0x2020202020202020)  # ORed in, lowercases letters
_LOW_SEVEN = np.uint64(0x7F7F7F7F7F7F7F7F)
_FROM_A = np.uint64(0x1F1F1F1F1F1F1F1F)  # added to a byte below 128: reaches the high bit from `a` up
_PAST_Z = np.uint64(0x0505050505050505)  # and from past `z`
_HIGH_FOUR = np.uint64(0x80808080)
_SENTINEL = np.uint64(0x8000000000)
_THIRTY_TWO = np.uint64(32)
_EIGHT = np.uint64(8)
_TWO, _THREE, _FOUR, _FIVE, _SIX = (np.uint64((1 << 8 * n) - 1) for n in (2, 3, 4, 5, 6))  # the low n bytes
_C_TAG, _F_TAG, _ROW_TAG, _C_DOUBLE, _C_SINGLE, _ROW_DOUBLE, _ROW_SINGLE, _QUOTE_BLANK = (
    np.uint64(int.from_bytes(text, "little"))
    for text in (b"<c", b"<f", b"<row", b'<c r="', b"<c r='", b'<row r="', b"<row r='", b'" ')
)
_R_DOUBLE, _R_SINGLE, _S_DOUBLE, _T_E, _HIDDE = (
    np.uint64(int.from_bytes(text, "little")) for text in (b'r="', b"r='", b's="', b't="e"', b"hidde")
)

_LONG_VALUE = re.compile(rb"([A-Za-z]*)(\d*)")
_CAP = 10**12  # an absurd coordinate stands for itself up to here


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper()[:9]:
        n = n * 26 + (ch - 64)
    return n


class Extent:
    """The XML of one sheet, written in as it is inflated, and running totals over it."""

    def __init__(self, size: int) -> None:
        self.buf = np.zeros(size + PAD, dtype=np.uint8)
        # item i: bytes i..i+7 as one little-endian uint64 (byte i lowest)
        self.words = np.ndarray(shape=(size + PAD - 7,), dtype="<u8", buffer=self.buf, strides=(1,))
        self.filled = self.done = 0  # bytes written; bytes counted (whole windows)
        self.rows = self.cells = 0  # row and cell tags
        self.max_row = self.max_col = 0  # furthest `r` values (1-based)
        self.max_row_tag = 0  # furthest `r` value without a column (a row's)
        self.rows_without_r = 0
        self.run = 0  # cells without `r` since the last `</row>` (a row can span windows)
        self.longest_run = 0
        self.markers: set[bytes] = set()
        self.unusual = False  # crafted: a namespace prefix too long to follow, or ODD_LIMIT passed
        self._deferred: list[int] = []  # `=` signs with long blanks around them
        self._long_values = 0
        # the style of each cell written `<c r="B12" s="3"`, for the side-scan; False once some
        # cell's style is written otherwise (the side-scan then looks for itself)
        self._styles: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | bool = []
        # this window's cell and row tags (where, which are cells), and whether the last tag of
        # the window before was a cell's: the tag an `s="..."` is in
        self._tags_here = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))
        self._last_tag_was_cell = False

    @property
    def row_bound(self) -> int:
        """The furthest row calamine can reach: a row without `r` comes after the previous one."""
        return max(self.max_row, self.rows, self.max_row_tag + self.rows_without_r)

    @property
    def column_bound(self) -> int:
        """The furthest column: a cell without `r` comes after the previous cell of its row."""
        return self.max_col + self.longest_run

    def cell_styles(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Row, column (1-based) and style index of every cell with a style (None: some style
        is written in a form this pass does not follow)."""
        if self._styles is False:
            return None
        parts = self._styles or [(np.zeros(0, dtype=np.int64),) * 3]
        return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]

    def write(self, chunk: bytes) -> None:
        """Append inflated bytes (at most the declared size) and count every whole window."""
        self.store(chunk)
        self.count(self.filled)

    def store(self, chunk: bytes) -> None:
        """Append inflated bytes (at most the declared size). Another thread may do this while
        `count` reads the bytes before `filled`: nothing else is shared."""
        room = len(self.buf) - PAD - self.filled
        if len(chunk) > room:
            chunk = chunk[:room]
        self.buf[self.filled : self.filled + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        self.filled += len(chunk)

    def count(self, filled: int) -> None:
        """Count every whole window of the first `filled` bytes stored."""
        while self.done + WINDOW + PAD <= filled:
            self._count(self.done, self.done + WINDOW)
            self.done += WINDOW

    def close(self) -> None:
        """Count the rest, then settle the `=` signs whose blanks ran past the look-around."""
        self.buf[self.filled :] = 0
        if self.done < self.filled:
            self._count(self.done, self.filled)
            self.done = self.filled
        if self._deferred:
            self._settle(self._deferred)
            self._deferred = []

    def _count(self, start: int, end: int) -> None:
        self._unprefix(start, end)
        self._tags(start, end)
        self._attributes(start, end)

    def _unprefix(self, start: int, end: int) -> None:
        """`<x:c` -> `<x<c`, `</x:row` -> `</</row`, in place (so nothing moves): calamine
        matches local names, which some writers prefix. A colon just past the window is done
        here too, as its closing tag's `<` falls in this window."""
        buf = self.buf
        colon = buf[start : end + 1] == 58
        if not colon.any():  # the usual case, found without listing positions
            return
        colon = np.flatnonzero(colon) + start
        name = buf[colon + 1]
        row = (name == 114) & (buf[colon + 2] == 111) & (buf[colon + 3] == 119) & _AFTER_NAME[buf[colon + 4]]
        colon = colon[((name == 99) & _AFTER_NAME[buf[colon + 2]]) | row]
        if not len(colon):
            return
        # back over the prefix to the byte before it
        at = colon - 1
        going = np.flatnonzero(_NAME[buf[at]])
        for _ in range(LOOK):
            if not len(going):
                break
            at[going] -= 1
            going = going[_NAME[buf[at[going]]]]
        if len(going):
            self.unusual = True
        before = buf[at]
        opening = colon[before == 60]
        closing = colon[(before == 47) & (buf[at - 1] == 60)]
        if len(opening) or len(closing):
            self._styles = False  # the side-scan reads prefixed cells' styles as it always has
        buf[opening] = 60
        buf[closing] = 47
        buf[closing - 1] = 60

    def _settle(self, deferred: list[int]) -> None:
        size = self.filled
        text = self.buf[:size].tobytes()
        backwards = text[::-1]
        blanks = re.compile(rb"[ \t\r\n]*")
        starts = []
        for eq in deferred:
            name_end = size - 1 - blanks.match(backwards, size - eq).end()  # the byte before the blanks
            if name_end < 0 or text[name_end] != ord("r") or (name_end and _NAME[text[name_end - 1]]):
                continue
            quote = blanks.match(text, eq + 1).end()
            if quote < size and text[quote] in b"\"'":
                starts.append(quote + 1)
        if starts:
            at = np.asarray(starts, dtype=np.int64)
            self._values(at, self.words[at])

    # -- tags ------------------------------------------------------------------------------

    def _tags(self, start: int, end: int) -> None:
        buf = self.buf
        following = buf[start + 1 : end + 1]
        wanted = following == 99
        wanted |= following == 114
        wanted |= following == 102
        wanted &= buf[start:end] == 60
        lt = np.flatnonzero(wanted) + start
        head = self.words[lt]  # `<c r="A`, `<row r="`: each tag's first eight bytes (low byte first)
        two = head & _TWO
        if b"<f" not in self.markers and (two == _F_TAG).any():
            self.markers.add(b"<f")
        # the usual form, `<c r="..."` and `<row r="..."`: the position is explicit
        usual_cell = ((head & _SIX) == _C_DOUBLE) | ((head & _SIX) == _C_SINGLE)
        usual_row = (head == _ROW_DOUBLE) | (head == _ROW_SINGLE)
        # the others: a tag named `c` or `row` if a blank, `/` or `>` follows the name
        other_cell = (two == _C_TAG) & ~usual_cell
        other_cell[other_cell] = _AFTER_NAME[buf[lt[other_cell] + 2]]
        other_row = ((head & _FOUR) == _ROW_TAG) & ~usual_row
        other_row[other_row] = _AFTER_NAME[buf[lt[other_row] + 4]]
        cell, row = usual_cell | other_cell, usual_row | other_row
        if len(self._tags_here[0]):
            self._last_tag_was_cell = bool(self._tags_here[1][-1])
        either = cell | row
        self._tags_here = (lt[either], cell[either])
        self.cells += int(np.count_nonzero(cell))
        self.rows += int(np.count_nonzero(row))
        self.rows_without_r += int(np.count_nonzero(other_row))
        if other_cell.any() or self.run:
            self._runs(start, end, lt[other_cell])

    def _runs(self, start: int, end: int, loose: np.ndarray) -> None:
        """Cells without `r` between two `</row>`: each takes the next column."""
        buf = self.buf
        slash = np.flatnonzero((buf[start:end] == 60) & (buf[start + 1 : end + 1] == 47)) + start
        head = _bytes(self.words[slash])
        row_ends = slash[(head[:, 2] == 114) & (head[:, 3] == 111) & (head[:, 4] == 119) & _AFTER_NAME[head[:, 5]]]
        per_row = np.bincount(np.searchsorted(row_ends, loose), minlength=len(row_ends) + 1)
        per_row[0] += self.run
        self.longest_run = max(self.longest_run, int(per_row.max()))
        self.run = int(per_row[-1])

    # -- attributes ------------------------------------------------------------------------

    def _attributes(self, start: int, end: int) -> None:
        eq = np.flatnonzero(self.buf[start:end] == 61) + start
        words = self.words[eq - 2]  # two bytes before the `=`, the `=`, five after (low byte first)
        name_eq_quote = (words >> _EIGHT) & _THREE  # `r="`
        usual = np.flatnonzero((name_eq_quote == _R_DOUBLE) | (name_eq_quote == _R_SINGLE))
        around = _bytes(words[usual])
        usual = usual[~_NAME[around[:, 0]]]  # `r`, not the end of a longer name
        self._values(eq[usual] + 2, words[usual] >> _THIRTY_TWO)
        # `s="3"`, not the end of a longer name (as the side-scan's \bs=" finds it)
        near = _bytes(words[name_eq_quote == _S_DOUBLE])
        style = eq[name_eq_quote == _S_DOUBLE][_DIGIT[near[:, 4]] & ~_WORD[near[:, 0]]] - 1  # at the `s`
        self._markers(eq, words, style)
        if len(style) and self._styles is not False:
            self._cell_styles(style)
        around = _bytes(words)
        odd = eq[(around[:, 1] <= 32) | (around[:, 3] <= 32)]  # blanks around `=` (or controls)
        if len(odd):
            starts = self._odd(odd)
            self._values(starts, self.words[starts])

    def _markers(self, eq: np.ndarray, words: np.ndarray, style: np.ndarray) -> None:
        """The side-scan's byte strings, as `in` would find them (`words`: the bytes around each
        `=`, from two before it; `style`: where the cell styles are)."""
        if b"hidden=" not in self.markers:
            n = eq[(words >> _EIGHT).astype(np.uint8) == 110]
            if len(n) and (self.words[n - 6] & _FIVE == _HIDDE).any():
                self.markers.add(b"hidden=")
        if b't="e"' not in self.markers and ((words >> _EIGHT) & _FIVE == _T_E).any():
            self.markers.add(b't="e"')
        if len(style):
            self.markers.add(b's="')

    def _odd(self, eq: np.ndarray) -> np.ndarray:
        """Value starts of `r` attributes written with blanks around `=` (never by a spreadsheet
        program, but XML allows them)."""
        buf = self.buf
        name, far_back = self._past_blanks(eq - 1, -1)
        quote, far_ahead = self._past_blanks(eq + 1, 1)
        far = far_back | far_ahead
        if far.any():
            self._defer(eq[far].tolist())
        is_r = (buf[name] == 114) & ~_NAME[buf[name - 1]] & _QUOTE[buf[quote]] & ~far
        return (quote + 1)[is_r]

    def _past_blanks(self, at: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The first byte that is not a blank from each position on, going by `step`, and
        whether the blanks ran on past LOOK bytes (then the caller defers)."""
        at = at.copy()
        going = np.flatnonzero(_BLANK[self.buf[at]])
        for _ in range(LOOK):
            if not len(going):
                break
            at[going] += step
            going = going[_BLANK[self.buf[at[going]]]]
        far = np.zeros(len(at), dtype=bool)
        far[going] = True
        return at, far

    def _defer(self, positions: list[int]) -> None:
        # each costs a search of its own: a sheet with many is crafted, and refused
        self._deferred.extend(positions)
        if len(self._deferred) > ODD_LIMIT:
            self.unusual = True
            self._deferred = []

    def _cell_styles(self, style: np.ndarray) -> None:
        """Cells written `<c r="B12" s="3"` (as spreadsheet programs do): their row, column and
        style. Any other `s="..."` in a cell tag, and the side-scan looks for itself. (`style`:
        where this window's `s="..."` are, at the `s`.)"""
        buf, words = self.buf, self.words
        value, length = _decimal(buf, style + 3, 9)
        ok = (length > 0) & (buf[style + 3 + length] == 34) & ((words[style - 2] & _TWO) == _QUOTE_BLANK)
        # the cell's `<c r="`, before a reference of 2 to 10 letters and digits
        ref = np.full(len(style), -1, dtype=np.int64)
        for size in range(2, 11):
            tag = style - 8 - size
            hit = ok & (ref < 0) & ((words[tag] & _SIX) == _C_DOUBLE)
            ref[hit] = tag[hit] + 6
        ok &= ref >= 0
        size = np.where(ok, style - 2 - ref, 0)
        col = np.zeros(len(style), dtype=np.int64)
        letters = np.zeros(len(style), dtype=np.int64)
        going = ok.copy()
        for k in range(4):  # capitals, as the side-scan reads references
            byte = buf[ref + k]
            going &= (byte >= 65) & (byte <= 90) & (k < size)
            col = np.where(going, col * 26 + (byte.astype(np.int64) - 64), col)
            letters += going
        row, digits = _decimal(buf, ref + letters, 9)
        ok &= (letters > 0) & (letters < 4) & (digits == size - letters)
        others = style[~ok]
        if len(others):
            tags, is_cell = self._tags_here
            owner = np.searchsorted(tags, others) - 1
            in_cell = np.where(owner < 0, self._last_tag_was_cell, is_cell[np.maximum(owner, 0)] if len(tags) else False)
            if in_cell.any():
                self._styles = False
                return
        self._styles.append((row[ok], col[ok], value[ok]))  # type: ignore[union-attr]

    def _values(self, starts: np.ndarray, head: np.ndarray) -> None:
        """Letters then digits then the closing quote; anything else calamine refuses. `head`:
        each value's first four bytes or more, as a little-endian uint64. The letters are read
        four bytes at a time, the digits eight."""
        if not len(starts):
            return
        # the high bit of every letter: lowercased, from `a` and not past `z`, and ASCII (no
        # byte carries into the next one)
        lower = (head | _CASE) & _LOW_SEVEN
        is_letter = (lower + _FROM_A) & ~(lower + _PAST_Z) & ~head & _HIGH
        count = _lowest_byte((~is_letter & _HIGH_FOUR) | _SENTINEL)  # the fifth byte stands for four letters
        word = self.words[starts + count]  # the bytes after the letters
        x = word ^ _ZEROS
        # the high bit of every byte that is not a digit (exact for the lowest such byte, which
        # is all that is used: carries only run upwards)
        flags = ((x + _NINES) | x) & _HIGH
        digits = _lowest_byte(flags)
        digits[flags == 0] = 8  # eight digits or more
        closed = _QUOTE[(word >> (8 * np.minimum(digits, 7)).astype(np.uint64)).astype(np.uint8)]
        plain = (count < 4) & (digits < 8)
        valid = plain & closed & (digits > 0)
        if valid.any():
            n = digits[valid].astype(np.uint64)
            # digits as a big-endian number, their count above them: the largest key is the furthest row
            key = (word[valid].byteswap() >> (64 - 8 * n)) | (n << np.uint64(56))
            self.max_row = max(self.max_row, _number(key.max()))
            row_only = key[count[valid] == 0]  # `<row r="12">`: only these move calamine's next row
            if len(row_only):
                self.max_row_tag = max(self.max_row_tag, _number(row_only.max()))
            with_column = valid & (count > 0)
            if with_column.any():
                # of the widest, the letters capitalised and big-endian: the largest is the furthest column
                width = int(count[with_column].max())
                top = head[with_column & (count == width)] & np.uint64((1 << 8 * width) - 1) & ~_CASE
                letters = int(top.byteswap().max()).to_bytes(8, "big")[:width]
                self.max_col = max(self.max_col, column_number(letters))
        long = starts[~plain]
        self._long_values += len(long)
        if self._long_values > ODD_LIMIT:  # each is read in Python: a sheet with many is crafted
            self.unusual = True
            return
        for pos in long.tolist():
            self._long(pos)

    def _long(self, pos: int) -> None:
        """A value with more letters or digits than any sheet has: its coordinates, capped
        (calamine's own arithmetic on them overflows, so the grid could be anything)."""
        text = self.buf[pos : pos + 64].tobytes()
        m = _LONG_VALUE.match(text)
        letters, digits = m.group(1), m.group(2)
        cut = m.end() == len(text)  # longer than we look: take it as valid
        if not cut and (not digits or text[m.end()] not in b"\"'"):
            return  # calamine refuses it
        if digits:
            row = min(int(digits[:13]), _CAP)
            self.max_row = max(self.max_row, row)
            if not letters:
                self.max_row_tag = max(self.max_row_tag, row)
        if letters:
            self.max_col = max(self.max_col, min(column_number(letters), _CAP))


def _decimal(buf: np.ndarray, at: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """The number written in decimal at each position (up to `most` digits), and its length."""
    value = np.zeros(len(at), dtype=np.int64)
    length = np.zeros(len(at), dtype=np.int64)
    going = np.ones(len(at), dtype=bool)
    for k in range(most):
        byte = buf[at + k]
        going &= _DIGIT[byte]
        if not going.any():
            break
        value = np.where(going, value * 10 + (byte.astype(np.int64) - 48), value)
        length += going
    return value, length


def _number(key: np.uint64) -> int:
    """The row number in a key made in `_values` (ASCII digits, big-endian, in the low 7 bytes)."""
    return int((int(key) & ((1 << 56) - 1)).to_bytes(7, "big").lstrip(b"\0"))


def _lowest_byte(flags: np.ndarray) -> np.ndarray:
    """The position of the lowest byte whose high bit is set (garbage where none is): its bit
    alone, as a float, has that bit's position as its exponent."""
    exponent = ((flags & (~flags + _ONE)).astype(np.float64).view(np.int64) >> 52) - 1023
    return exponent >> 3


def _bytes(words: np.ndarray) -> np.ndarray:
    """Eight bytes per row, in file order, from little-endian uint64s."""
    return words.view(np.uint8).reshape(-1, 8)
