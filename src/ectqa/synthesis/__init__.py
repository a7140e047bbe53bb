"""Meta-analytic synthesis: effect sizes, conversions, random-effects pooling and figures.

The numbers match R's metafor (``escalc``, ``rma``, ``predict``); see each module's docstring for
the formulas. Figures live in ``ectqa.synthesis.figures`` and import matplotlib only when called,
so importing this package stays light: its names load their submodule on first use
(numpy and scipy.special only).
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> submodule. Loaded on first use (PEP 562), so that importing `ectqa.synthesis.command`
# (which `ectqa --help` does) does not pay for numpy and scipy.special.
_EXPORTS = {
    **dict.fromkeys(
        ("COMMON_UNITS", "mean_from_five", "mean_from_iqr", "mean_from_range", "sd_from_five",
         "sd_from_iqr", "sd_from_range", "to_common_unit", "unit_factor"),
        "conversions",
    ),
    **dict.fromkeys(("Effect", "small_sample_correction", "smcr", "smd"), "effects"),
    **dict.fromkeys(("VERDICTS", "Z_975", "Pooled", "leave_one_out", "pool", "verdict"), "pooling"),
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"ectqa.synthesis.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ectqa.synthesis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "COMMON_UNITS",
    "Effect",
    "Pooled",
    "VERDICTS",
    "Z_975",
    "leave_one_out",
    "mean_from_five",
    "mean_from_iqr",
    "mean_from_range",
    "pool",
    "sd_from_five",
    "sd_from_iqr",
    "sd_from_range",
    "small_sample_correction",
    "smcr",
    "smd",
    "to_common_unit",
    "unit_factor",
    "verdict",
]
