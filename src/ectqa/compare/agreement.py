"""Agreement between two extractors: percent agreement and Cohen's kappa.

Cells count where at least one extractor filled the cell in (two blanks are not evidence of
agreement; they would flatter a sparse column). Records present in only one file are reported
apart and do not count here.

Percent agreement = cells that agree / cells compared x 100.

Cohen's kappa (Cohen 1960) for term columns, over the same cells, with "(blank)" a category of
its own:

    kappa = (p_o - p_e) / (1 - p_e),   p_e = sum over categories k of p_A(k) * p_B(k)

where p_o is the observed share of agreement and p_A(k), p_B(k) the share of cells each extractor
put in category k. Undefined (None) when p_e = 1 (both extractors used one and the same
category throughout). The overall kappa pools every term cell, a category being (column, term).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ColumnAgreement:
    table: str
    column: str
    type: str
    compared: int
    agreed: int
    kappa: float | None = None

    @property
    def disagreed(self) -> int:
        return self.compared - self.agreed

    @property
    def percent(self) -> float | None:
        return percent_agreement(self.agreed, self.compared)

    def to_dict(self) -> dict:
        return {
            "table": self.table,
            "column": self.column,
            "type": self.type,
            "cells": self.compared,
            "agree": self.agreed,
            "disagree": self.disagreed,
            "percent_agreement": _round(self.percent),
            "kappa": _round(self.kappa),
        }


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def percent_agreement(agreed: int, compared: int) -> float | None:
    return None if compared == 0 else 100.0 * agreed / compared


def cohens_kappa(a, b) -> float | None:
    """Cohen's kappa of two equal-length sequences of categories (None if undefined or empty)."""
    a = np.asarray(a, dtype=object).astype(str)
    b = np.asarray(b, dtype=object).astype(str)
    n = len(a)
    if n == 0:
        return None
    p_o = float(np.mean(a == b))
    cats, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inverse[:n], inverse[n:]
    pa = np.bincount(ia, minlength=len(cats)) / n
    pb = np.bincount(ib, minlength=len(cats)) / n
    p_e = float(np.sum(pa * pb))
    if p_e >= 1.0 - 1e-12:
        return None
    return (p_o - p_e) / (1.0 - p_e)


def column_agreement(diffs) -> list[ColumnAgreement]:
    """Agreement per column of every compared table, in table then column order."""
    out = []
    for d in diffs:
        for col in d.columns:
            kappa = None
            if col in d.categories:
                ca, cb = d.categories[col]
                kappa = cohens_kappa(ca, cb)
            out.append(ColumnAgreement(d.table, col, d.column_types[col], d.compared[col], d.agreed[col], kappa))
    return out


def overall_agreement(diffs, columns: list[ColumnAgreement]) -> dict:
    compared = sum(c.compared for c in columns)
    agreed = sum(c.agreed for c in columns)
    term_a, term_b = [], []
    for d in diffs:
        for col, (ca, cb) in d.categories.items():
            term_a.append(np.char.add(f"{d.table}.{col}=", ca.astype(str)))
            term_b.append(np.char.add(f"{d.table}.{col}=", cb.astype(str)))
    kappa = cohens_kappa(np.concatenate(term_a), np.concatenate(term_b)) if term_a else None
    return {
        "cells": compared,
        "agree": agreed,
        "disagree": compared - agreed,
        "percent_agreement": _round(percent_agreement(agreed, compared)),
        "kappa_terms": _round(kappa),
    }
