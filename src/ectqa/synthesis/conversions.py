"""Conversions that make extracted numbers poolable: medians to means, ranges to SDs, units.

Mean from a median (Luo et al. 2018, Stat Methods Med Res 27:1785), with a = min, b = max,
m = median, q1/q3 the quartiles and n the sample size:

* from (a, m, b):        w = 4 / (4 + n^0.75); mean = w (a + b)/2 + (1 - w) m
* from (q1, m, q3):      mean = (0.7 + 0.39/n) (q1 + q3)/2 + (0.3 - 0.39/n) m
* from all five:         w1 = 2.2 / (2.2 + n^0.75), w2 = 0.7 - 0.72 / n^0.55;
                         mean = w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m

SD (Wan et al. 2014, BMC Med Res Methodol 14:135), Phi^-1 the standard normal quantile:

* xi = 2 Phi^-1((n - 0.375)/(n + 0.25)), eta = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))
* from (a, b):           SD = (b - a) / xi
* from (q1, q3):         SD = (q3 - q1) / eta
* from all five:         SD = (b - a)/(2 xi) + (q3 - q1)/(2 eta)

metafor >= 4.0 has ``conv.fivenum()``, but its default differs: the SD from all five numbers
is Shi et al. 2020's weighted form, and a study whose numbers fail a skewness test gets no
estimate (``test=TRUE``). By its source, ``method=c("luo", "wan"), test=FALSE`` requests the
formulas above. The Debian metafor used for the reference values (3.8-1) predates
``conv.fivenum``, so tests/reference/metafor_reference.R writes these formulas out in R (qnorm)
as a second, independent implementation. All assume a roughly normal distribution; cytokines
are right-skewed, so converted values are approximations whose use a review should report.

Units: ``to_common_unit`` rescales values to one unit per outcome class (the data dictionary's
Units table). Conversions are linear with no offset, so the same factor applies to a mean, SD,
SE, median, quartiles and range.

All functions are vectorised over numpy arrays (arguments broadcast); an n too small for the
formula gives NaN rather than raising. The order min <= q1 <= median <= q3 <= max is not
checked here (the schema checks it).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ectqa.lean import scipy_special

ndtri = scipy_special().ndtri

__all__ = [
    "mean_from_range",
    "mean_from_iqr",
    "mean_from_five",
    "sd_from_range",
    "sd_from_iqr",
    "sd_from_five",
    "COMMON_UNITS",
    "unit_factor",
    "to_common_unit",
]


def _arr(*xs: ArrayLike) -> list[np.ndarray]:
    return np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in xs))


def _out(x: np.ndarray) -> np.ndarray:
    return x[()] if x.ndim == 0 else x


def _valid_n(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _out(np.where(n >= 1, x, np.nan))


# --- means (Luo 2018) ----------------------------------------------------------------------

def mean_from_range(minimum: ArrayLike, median: ArrayLike, maximum: ArrayLike,
                    n: ArrayLike) -> np.ndarray:
    """Luo 2018 mean from (min, median, max): w = 4/(4 + n^0.75); w (a+b)/2 + (1-w) m."""
    a, m, b, n = _arr(minimum, median, maximum, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = 4.0 / (4.0 + n**0.75)
        x = w * (a + b) / 2.0 + (1.0 - w) * m
    return _valid_n(n, x)


def mean_from_iqr(q1: ArrayLike, median: ArrayLike, q3: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Luo 2018 mean from (q1, median, q3): (0.7 + 0.39/n)(q1+q3)/2 + (0.3 - 0.39/n) m."""
    q1, m, q3, n = _arr(q1, median, q3, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (0.7 + 0.39 / n) * (q1 + q3) / 2.0 + (0.3 - 0.39 / n) * m
    return _valid_n(n, x)


def mean_from_five(minimum: ArrayLike, q1: ArrayLike, median: ArrayLike, q3: ArrayLike,
                   maximum: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Luo 2018 mean from all five numbers.

    w1 = 2.2/(2.2 + n^0.75), w2 = 0.7 - 0.72/n^0.55;
    mean = w1 (a+b)/2 + w2 (q1+q3)/2 + (1 - w1 - w2) m.
    """
    a, q1, m, q3, b, n = _arr(minimum, q1, median, q3, maximum, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        w1 = 2.2 / (2.2 + n**0.75)
        w2 = 0.7 - 0.72 / n**0.55
        x = w1 * (a + b) / 2.0 + w2 * (q1 + q3) / 2.0 + (1.0 - w1 - w2) * m
    return _valid_n(n, x)


# --- SDs (Wan 2014) ------------------------------------------------------------------------

def _xi(n: np.ndarray) -> np.ndarray:
    return 2.0 * ndtri((n - 0.375) / (n + 0.25))


def _eta(n: np.ndarray) -> np.ndarray:
    return 2.0 * ndtri((0.75 * n - 0.125) / (n + 0.25))


def sd_from_range(minimum: ArrayLike, maximum: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Wan 2014 SD from the range: (b - a) / xi, xi = 2 Phi^-1((n - 0.375)/(n + 0.25)).

    n must be at least 2 (for n = 1 the range is 0 and xi is 0.68: the result is NaN).
    """
    a, b, n = _arr(minimum, maximum, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (b - a) / _xi(n)
    return _out(np.where(n >= 2, x, np.nan))


def sd_from_iqr(q1: ArrayLike, q3: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Wan 2014 SD from the IQR: (q3 - q1) / eta, eta = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))."""
    q1, q3, n = _arr(q1, q3, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (q3 - q1) / _eta(n)
    return _valid_n(n, x)


def sd_from_five(minimum: ArrayLike, q1: ArrayLike, q3: ArrayLike, maximum: ArrayLike,
                 n: ArrayLike) -> np.ndarray:
    """Wan 2014 SD from all five numbers: (b - a)/(2 xi) + (q3 - q1)/(2 eta)."""
    a, q1, q3, b, n = _arr(minimum, q1, q3, maximum, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (b - a) / (2.0 * _xi(n)) + (q3 - q1) / (2.0 * _eta(n))
    return _out(np.where(n >= 2, x, np.nan))


# --- units ---------------------------------------------------------------------------------

#: The unit each outcome class is pooled in. Cortisol is pooled in nmol/L, the other
#: neuroendocrine outcomes in pg/mL. Cellular outcomes have no common unit (%, cells/µL and
#: AU measure different things), so each keeps its own.
COMMON_UNITS: dict[str, str] = {
    "cytokine": "pg/mL",
    "acute_phase": "mg/L",
    "kynurenine": "µmol/L",
    "neuroendocrine": "pg/mL",
    "neurotrophic": "pg/mL",
    "clinical_scale": "points",
}

# (class, unit) -> (factor, common unit). Units are in canonical spelling.
_FACTORS: dict[tuple[str, str], tuple[float, str]] = {
    ("cytokine", "pg/mL"): (1.0, "pg/mL"),
    ("cytokine", "ng/L"): (1.0, "pg/mL"),
    ("cytokine", "ng/mL"): (1000.0, "pg/mL"),
    ("acute_phase", "mg/L"): (1.0, "mg/L"),
    ("acute_phase", "mg/dL"): (10.0, "mg/L"),
    ("acute_phase", "µg/mL"): (1.0, "mg/L"),
    ("acute_phase", "nmol/L"): (1.0 / 9.52, "mg/L"),
    ("cellular", "%"): (1.0, "%"),
    ("cellular", "cells/µL"): (1.0, "cells/µL"),
    ("kynurenine", "µmol/L"): (1.0, "µmol/L"),
    ("kynurenine", "nmol/L"): (1e-3, "µmol/L"),
    ("neuroendocrine", "pg/mL"): (1.0, "pg/mL"),
    ("neuroendocrine", "ng/mL"): (1000.0, "pg/mL"),
    ("neuroendocrine", "µg/dL"): (1e4, "pg/mL"),  # 1 µg/dL = 10 ng/mL
    ("neurotrophic", "pg/mL"): (1.0, "pg/mL"),
    ("neurotrophic", "ng/mL"): (1000.0, "pg/mL"),
    ("clinical_scale", "points"): (1.0, "points"),
}

# Cortisol (molar mass 362.46 g/mol) is pooled in nmol/L.
_CORTISOL: dict[str, float] = {
    "nmol/L": 1.0,
    "µg/dL": 27.59,
    "ng/mL": 2.759,
    "pg/mL": 2.759e-3,
}

# Lower-cased spellings -> canonical unit (U+03BC GREEK MU is folded to U+00B5 MICRO SIGN first).
_SPELLINGS: dict[str, str] = {
    u.lower(): u
    for u in ("pg/mL", "ng/L", "ng/mL", "mg/L", "mg/dL", "µg/mL", "nmol/L", "µmol/L", "µg/dL",
              "%", "cells/µL", "AU", "points")
}
_SPELLINGS.update({
    "ug/ml": "µg/mL", "mcg/ml": "µg/mL", "ug/dl": "µg/dL", "mcg/dl": "µg/dL",
    "umol/l": "µmol/L", "cells/ul": "cells/µL", "pg ml-1": "pg/mL", "a.u.": "AU",
})


def _canonical_unit(unit: str) -> str:
    u = str(unit).strip().replace("\u03bc", "\u00b5")
    return _SPELLINGS.get(u.lower(), u)


def unit_factor(outcome_class: str, outcome: str, unit: str) -> tuple[float, str | None]:
    """The factor that takes ``unit`` to the class's common unit, and that unit.

    Returns ``(nan, None)`` when the value cannot be converted: arbitrary units (``AU``), a unit
    the class does not accept, an unknown class, or a molar unit for a hormone other than
    cortisol (no molar mass is known here).

    >>> unit_factor("acute_phase", "CRP", "mg/dL")
    (10.0, 'mg/L')
    >>> unit_factor("neuroendocrine", "cortisol", "ug/dL")
    (27.59, 'nmol/L')
    >>> unit_factor("cytokine", "IL-6", "AU")
    (nan, None)
    """
    cls = str(outcome_class).strip().lower()
    u = _canonical_unit(unit)
    if u == "AU":
        return float("nan"), None
    if cls == "neuroendocrine" and str(outcome).strip().lower() == "cortisol":
        if u in _CORTISOL:
            return _CORTISOL[u], "nmol/L"
        return float("nan"), None
    factor, common = _FACTORS.get((cls, u), (float("nan"), None))
    return factor, common


def to_common_unit(
    values: ArrayLike,
    outcome_class: str | ArrayLike,
    outcome: str | ArrayLike,
    unit: str | ArrayLike,
) -> tuple[np.ndarray, str | None | np.ndarray]:
    """Rescale ``values`` to the common unit of their outcome class.

    ``outcome_class``, ``outcome`` and ``unit`` are each one string or an array of strings (one
    per value); they broadcast against ``values``. The result is ``(converted, common_unit)``:
    ``common_unit`` is a string when all three labels are single strings, otherwise an object
    array of the same shape as ``converted``. Values that cannot be converted (see
    ``unit_factor``; chiefly ``AU``) are NaN and their common unit is ``None``: that is the mark.

    Factors: mg/dL x10 -> mg/L; µg/mL = mg/L; CRP nmol/L /9.52 -> mg/L; ng/L = pg/mL;
    ng/mL x1000 -> pg/mL; cortisol µg/dL x27.59, ng/mL x2.759 -> nmol/L; nmol/L /1000 -> µmol/L
    for the kynurenine pathway.

    >>> v, u = to_common_unit([0.1, 0.25], "acute_phase", "CRP", "mg/dL")
    >>> v.tolist(), u
    ([1.0, 2.5], 'mg/L')
    """
    vals = np.asarray(values, dtype=float)
    scalar_labels = all(isinstance(x, str) for x in (outcome_class, outcome, unit))
    if scalar_labels:
        factor, common = unit_factor(outcome_class, outcome, unit)  # type: ignore[arg-type]
        return _out(vals * factor), common

    cls_a, out_a, unit_a = (np.asarray(x, dtype=object) for x in (outcome_class, outcome, unit))
    vals, cls_a, out_a, unit_a = np.broadcast_arrays(vals, cls_a, out_a, unit_a)
    factors = np.empty(vals.shape, dtype=float)
    commons = np.empty(vals.shape, dtype=object)
    # Look each distinct label triple up once; a measurements table has only a few.
    keys = np.char.add(
        np.char.add(np.char.add(cls_a.astype(str), "\x1f"), np.char.add(out_a.astype(str), "\x1f")),
        unit_a.astype(str),
    )
    uniq, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.reshape(vals.shape)
    for i, key in enumerate(uniq.tolist()):
        c, o, u = key.split("\x1f")
        f, cu = unit_factor(c, o, u)
        sel = inverse == i
        factors[sel] = f
        commons[sel] = cu
    return vals * factors, commons
