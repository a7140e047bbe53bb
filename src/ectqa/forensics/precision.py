"""How many decimals a reported number carries, and the interval its rounding allows.

Every consistency check needs the precision a number was *reported* with: ``24.50`` allows
24.495 to 24.505, ``24.5`` allows 24.45 to 24.55. The best source is the text as typed; next the
cell's Excel number format; last the shortest repr of the float (which drops trailing zeros, so
it can only understate the precision and make a check more lenient, never stricter).

The precision is an integer number of decimals; ``-1`` means unknown.
"""

from __future__ import annotations

import math
import re

import numpy as np

UNKNOWN = -1
MAX_DECIMALS = 10

# A number as people type it: sign, digits with an optional decimal point or comma, exponent.
# Leading comparison signs and a trailing percent sign are allowed and ignored.
_NUMBER = re.compile(
    r"""^\s*(?:[<>=≤≥]=?\s*)?[+\-−]?\s*
        (?P<int>\d[\d\s\u00a0\u202f']*)?(?:[.,](?P<frac>\d*))?
        (?:\s*[eE](?P<exp>[+\-−]?\d+))?\s*%?\s*$""",
    re.VERBOSE,
)


def as_float(values) -> np.ndarray:
    """Values as a float array (any shape); None, pandas NA and unparseable entries become NaN."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        pass
    arr = np.asarray(values, dtype=object)
    return np.array([_float_or_nan(v) for v in arr.ravel().tolist()]).reshape(arr.shape)


def _float_or_nan(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def as_decimals(decimals, like=None) -> np.ndarray:
    """Decimals as an int array; NaN, None or negative become ``-1`` (unknown).

    Where ``like`` (the reported values) is given, unknown decimals fall back to
    :func:`decimals_of_float` of those values.
    """
    d = as_float(decimals)
    if like is not None:
        d, like = np.broadcast_arrays(d, as_float(like))
        d = d.copy()
        unknown = ~(np.isfinite(d) & (d >= 0))
        if unknown.any():  # the float fallback is a Python loop: only where needed
            d[unknown] = decimals_of_float(like[unknown])
    d = np.where(np.isfinite(d) & (d >= 0), d, UNKNOWN)
    return np.minimum(d, MAX_DECIMALS).astype(np.int64)


def _decimals_of_one_text(text) -> int:
    if text is None:
        return UNKNOWN
    if isinstance(text, (bool, np.bool_)):
        return UNKNOWN
    if isinstance(text, (int, np.integer)):
        return 0
    if isinstance(text, (float, np.floating)):
        return int(decimals_of_float(text))
    if not isinstance(text, str):  # pandas NA and other non-text
        return UNKNOWN
    text = text.strip()
    # "1,234.5" and "1.234,5": the later separator is the decimal one, the other groups
    # thousands. "1,234" alone is ambiguous; it is read as a decimal comma (European papers).
    if "," in text and "." in text:
        thousands = "," if text.rfind(".") > text.rfind(",") else "."
        text = text.replace(thousands, "")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    match = _NUMBER.match(text)
    if match is None or not (match["int"] or match["frac"]):
        return UNKNOWN
    frac = match["frac"] or ""
    exp = int(match["exp"].replace("−", "-")) if match["exp"] else 0
    return int(min(max(len(frac) - exp, 0), MAX_DECIMALS))


def decimals_of_text(texts) -> np.ndarray:
    """Decimals of numbers as reported text: ``"24.50"`` -> 2, ``"24"`` -> 0, ``"2,5"`` -> 1.

    A decimal comma counts as a point; an exponent shifts the count (``"1e-3"`` -> 3,
    ``"2.5e-4"`` -> 5, ``"1.5e3"`` -> 0); a leading ``<``, ``>``, ``=`` and a trailing ``%`` are
    ignored (``"<.001"`` -> 3). None, ``""`` and text that is not a number give ``-1`` (unknown).
    A float (not text) falls back to :func:`decimals_of_float`. Returns an int array of the
    input's shape.
    """
    arr = np.asarray(texts, dtype=object)
    flat = arr.ravel()
    if flat.size > 64 and set(map(type, flat)) == {str}:
        # reported numbers repeat: each distinct text once
        distinct, inverse = np.unique(flat, return_inverse=True)
        if len(distinct) < flat.size:
            found = np.array([_decimals_of_one_text(text) for text in distinct.tolist()], dtype=np.int64)
            return found[inverse.ravel()].reshape(arr.shape)
    out = [_decimals_of_one_text(text) for text in flat.tolist()]
    return np.array(out, dtype=np.int64).reshape(arr.shape)


# Parts of an Excel number format that never hold digit placeholders.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def decimals_of_number_format(fmt: str | None) -> int | None:
    """Decimals an Excel number format displays: ``"0.00"`` -> 2, ``"#,##0.0"`` -> 1.

    ``"0"`` -> 0, ``"0.00%"`` -> 2, ``"0.000E+00"`` -> 3. Only the first (positive) section
    counts. ``"General"``, text (``"@"``), dates and formats without digit placeholders give
    None: the display then depends on the value, not on the format.
    """
    if not fmt:
        return None
    section = _FORMAT_NOISE.sub("", str(fmt).split(";")[0])
    if section.strip().lower() in {"general", "@", ""}:
        return None
    if not re.search(r"[0#?]", section):
        return None
    match = re.search(r"\.([0#?]+)", section)
    return len(match.group(1)) if match else 0


def _decimals_of_one_float(value: float) -> int:
    if not math.isfinite(value):
        return UNKNOWN
    text = repr(float(value)).lower()
    mantissa, _, exp = text.partition("e")
    frac = mantissa.partition(".")[2].rstrip("0")
    return min(max(len(frac) - int(exp or 0), 0), MAX_DECIMALS)


def decimals_of_float(values) -> np.ndarray:
    """Decimals of the shortest repr of each float (24.5 -> 1, 1e-05 -> 5), at most 10.

    The fallback when neither the text nor a number format is known; NaN gives ``-1``.
    Returns an int array of the input's shape.
    """
    arr = as_float(values)
    flat = arr.ravel()
    if flat.size > 64:
        # reported numbers repeat: each distinct value once (equal floats have one repr, and
        # -0.0 and 0.0 both show no decimals)
        distinct, inverse = np.unique(flat, return_inverse=True)
        if len(distinct) < flat.size:
            found = np.array([_decimals_of_one_float(value) for value in distinct.tolist()], dtype=np.int64)
            return found[inverse.ravel()].reshape(arr.shape)
    out = [_decimals_of_one_float(value) for value in flat.tolist()]
    return np.array(out, dtype=np.int64).reshape(arr.shape)


def rounding_interval(values, decimals) -> tuple[np.ndarray, np.ndarray]:
    """The interval ``value +- 0.5 * 10**-decimals`` that rounding to ``decimals`` allows.

    Unknown decimals (``-1``/NaN) fall back to the float's own decimals. Both ends are included,
    since half-up and half-even rounding differ exactly there and either is accepted.
    Returns ``(lower, upper)`` float arrays of the broadcast shape (NaN where the value is).
    """
    v = as_float(values)
    d = as_decimals(decimals, like=v)
    v, d = np.broadcast_arrays(v, d)
    half = np.where(d >= 0, 0.5 * 10.0 ** (-d.astype(float)), 0.0)
    return v - half, v + half
