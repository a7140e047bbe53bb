"""Readers: a path -> `Dataset`. Workbooks (.xlsx/.xlsm/.ods) and folders of CSV files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..config import Config
    from ..dataset import Dataset

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")


def read(path: Path, config: Config, table: str | None = None, meanwhile: Sequence[Callable[[], object]] = (),
         on_table: Callable[[Dataset, str], object] | None = None) -> Dataset:
    """Read a workbook, a CSV folder, or (with `table`) one CSV file or sheet.

    `meanwhile`: work for the idle time while calamine parses a workbook in its thread (the
    caller's imports, say), done in order for as long as a parse is still running.
    `on_table(dataset, name)`: called as each of a workbook's tables is complete, while the
    next sheet may still be parsing (the caller validates it then)."""
    path = Path(path)
    try:
        exists = path.exists()
    except OSError as exc:  # e.g. a path too long, or a folder on the way not searchable
        raise InputError(f"{path}: cannot look at the path ({exc.strerror}); check it and its permissions") from None
    if not exists:
        raise InputError(f"{path}: no such file or folder; check the path")
    if path.is_dir():
        if path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".csv", ".tsv", ".xls"):
            raise InputError(
                f"{path}: is a folder, not a file; give the workbook or CSV file itself, "
                "or a folder holding studies.csv and measurements.csv"
            )
        from .csv import read_folder

        return read_folder(path, config, table)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        # the container is judged before pandas and calamine load: a hostile file is refused fast
        from .container import check_container

        check_container(path, config.limits["max_inflated_mb"])
        from .xlsx import read_workbook

        return read_workbook(path, config, table, meanwhile, on_table)
    if suffix in (".csv", ".tsv", ".txt"):
        from .csv import read_single

        return read_single(path, config, table)
    if suffix == ".xls":
        raise InputError(f"{path}: legacy .xls workbooks are not read; open it in Excel or LibreOffice and save as .xlsx")
    raise InputError(
        f"{path}: not a workbook (.xlsx, .xlsm, .ods) or a CSV folder; give one of those"
    )
