"""calamine parses sheets in a worker thread; the check's imports fill the wait."""

from __future__ import annotations

import threading
import time

import pytest

from ectqa.readers.xlsx import _Parser


class GatedBook:
    """A workbook whose sheets parse only once the gate opens (as a long parse would)."""

    def __init__(self, opened: bool = False) -> None:
        self.gate = threading.Event()
        if opened:
            self.gate.set()

    def get_sheet_by_name(self, name: str) -> str:
        assert self.gate.wait(30)
        return f"parsed {name}"


def test_work_meanwhile_runs_in_order_while_the_sheet_is_parsed():
    book = GatedBook()
    done: list[str] = []
    parser = _Parser(book, meanwhile=[lambda: done.append("pandera"), lambda: (done.append("scipy"), book.gate.set())])
    parser.parse("measurements")
    parser.close()
    assert parser.sheet("measurements") == "parsed measurements"
    assert done == ["pandera", "scipy"]


def test_no_work_meanwhile_once_the_sheet_is_parsed():
    book = GatedBook(opened=True)
    done: list[str] = []
    parser = _Parser(book, meanwhile=[lambda: done.append("scipy")])
    parser.parse("studies")
    parser.close()
    while not parser._parsed_yet("studies"):
        time.sleep(0.001)
    assert parser.sheet("studies") == "parsed studies"
    assert done == []  # speculative work is skipped when nothing is left to wait for


def test_a_parse_error_reaches_the_reader_after_the_work_meanwhile():
    class Broken:
        def get_sheet_by_name(self, name):
            raise ValueError("calamine: bad sheet")

    parser = _Parser(Broken(), meanwhile=[lambda: None])
    parser.parse("studies")
    parser.close()
    with pytest.raises(ValueError, match="bad sheet"):
        parser.sheet("studies")
