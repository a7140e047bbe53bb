"""A text column as integer codes of its distinct values (pandas.factorize: -1 for an empty
cell), so that a question about its cells is asked once per distinct value, not per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def among(codes: np.ndarray, distinct: Any, terms: Iterable[Any]) -> np.ndarray:
    """Per cell: whether it is one of `terms` (an empty cell is none of them)."""
    terms = set(terms)
    return np.array([v in terms for v in distinct] + [False], dtype=bool)[codes]
