"""Number forensics: are reported numbers possible, and consistent with each other?

Pure, vectorised functions (numpy arrays in, arrays out; NaN means "not applicable" and never
raises) behind the rules ``grim-inconsistent``, ``grimmer-inconsistent``,
``p-value-inconsistent``, ``sd-se-inconsistent`` and ``sd-possibly-se``: GRIM (Brown & Heathers
2017), GRIMMER (Anaya 2016; Allard's analytic form), statcheck (Nuijten et al. 2016), SD against
SE and CI. A reported value is consistent when half-up or half-even rounding reproduces it.
"""

from ectqa.forensics.grim import grim_check, grim_percent_check, grimmer_check
from ectqa.forensics.precision import (
    decimals_of_float,
    decimals_of_number_format,
    decimals_of_text,
    rounding_interval,
)
from ectqa.forensics.pvalues import p_check, p_interval, recompute_p
from ectqa.forensics.sdse import sd_ci_check, sd_possibly_se, sd_se_check

__all__ = [
    "decimals_of_float",
    "decimals_of_number_format",
    "decimals_of_text",
    "grim_check",
    "grim_percent_check",
    "grimmer_check",
    "p_check",
    "p_interval",
    "recompute_p",
    "rounding_interval",
    "sd_ci_check",
    "sd_possibly_se",
    "sd_se_check",
]
