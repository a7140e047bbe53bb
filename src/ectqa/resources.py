"""Where the shipped data (schemas/, rules/) live: inside the wheel, or at the repo root."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name` ("schemas" or "rules"): ectqa/_data/NAME in a wheel, else the repo's."""
    shipped = _PACKAGE / "_data" / name
    if shipped.is_dir():
        return shipped
    # editable install or a source checkout: src/ectqa -> repo root
    return _PACKAGE.parents[1] / name
