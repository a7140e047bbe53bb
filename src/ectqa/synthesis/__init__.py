"""Meta-analytic synthesis: effect sizes, conversions, random-effects pooling and figures.

The numbers match R's metafor (``escalc``, ``rma``, ``predict``); see each module's docstring for
the formulas. Figures live in ``ectqa.synthesis.figures`` and import matplotlib only when called,
so importing this package stays light (numpy and scipy.special only).
"""

from ectqa.synthesis.conversions import (
    COMMON_UNITS,
    mean_from_five,
    mean_from_iqr,
    mean_from_range,
    sd_from_five,
    sd_from_iqr,
    sd_from_range,
    to_common_unit,
    unit_factor,
)
from ectqa.synthesis.effects import Effect, small_sample_correction, smcr, smd
from ectqa.synthesis.pooling import VERDICTS, Z_975, Pooled, leave_one_out, pool, verdict

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
