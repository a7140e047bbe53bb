"""pandera, imported once and without its data-synthesis extras."""

from __future__ import annotations

import sys
from types import ModuleType


def pandera() -> ModuleType:
    """`pandera.pandas`, imported lean.

    pandera loads hypothesis (~0.2 s) when it is installed, for generating example data; ectqa
    only validates, so hypothesis is hidden while pandera imports. Where hypothesis is already
    loaded (a test session) nothing is hidden.
    """
    module = sys.modules.get("pandera.pandas")
    if module is not None:
        return module
    hide = "hypothesis" not in sys.modules
    if hide:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import pandera.pandas as pa

        # the check backends load pandera's strategies (and so hypothesis) on first use
        import pandera.backends.pandas.builtin_checks  # noqa: F401
        import pandera.strategies.pandas_strategies  # noqa: F401
    finally:
        if hide:
            sys.modules.pop("hypothesis", None)
    return pa
