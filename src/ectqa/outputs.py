"""Writing outputs safely: a temporary file in the same folder, then an atomic rename.

An existing output is replaced only when the write succeeded; nothing partial is left behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError


def check_writable(path: Path) -> None:
    """Fail early, in atomic_write's words, when an output could not be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: the folder {folder} does not exist; create it or choose another output path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name for the output")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{path}: cannot write in {folder} (permission denied); choose another output path")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp_path)`, then rename tmp_path over `path`."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: the folder {folder} does not exist; create it or choose another output path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise InputError(f"{path}: cannot write in {folder} (permission denied); choose another output path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write in {folder} ({exc.strerror}); choose another output path") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
