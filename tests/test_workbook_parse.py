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


def test_each_table_is_handed_on_complete_while_the_next_sheet_is_read(tmp_path):
    """The studies table reaches `on_table` with its side-scan's findings (a formula with no
    saved result flags its cell) before the measurements sheet is a table; validating it then
    gives what validating the whole dataset afterwards gives."""
    import dataclasses

    from builders import STUDY, clean, write_workbook

    from ectqa import readers
    from ectqa.config import load_config
    from ectqa.schema.validate import Validator, validate

    data = clean()
    data["studies"].append({**STUDY, "study_id": "Beta2012", "n_ect": "=10+2", "year": 1900})
    data["measurements"].append({**data["measurements"][0], "study_id": "Beta2012"})
    book = write_workbook(data, tmp_path / "formula.xlsx")
    config = load_config(None, book)

    seen: list[tuple[str, list[str], set]] = []
    validator = Validator(config.dictionary)

    def on_table(dataset, name):
        seen.append((name, list(dataset.tables), {f.rule for f in dataset.read_findings if f.table == name}))
        validator.table(dataset, name)

    early = validator.finish(readers.read(book, config, on_table=on_table))
    assert [(name, tables) for name, tables, _ in seen] == [("studies", ["studies"]), ("measurements", ["studies", "measurements"])]
    assert "schema/formula-no-value" in seen[0][2]

    late = validate(readers.read(book, config), config.dictionary)
    assert [dataclasses.asdict(f) for f in early.findings] == [dataclasses.asdict(f) for f in late.findings]
    assert {k: v.tolist() for k, v in early.valid.items()} == {k: v.tolist() for k, v in late.valid.items()}
    rules = {f.rule for f in late.findings if f.table == "studies"}
    assert {"schema/formula-no-value", "schema/range"} <= rules
    assert early.valid["studies"].tolist() == [True, False]  # Beta2012's row is left out


def test_a_sheet_is_let_go_before_its_table_is_handed_on(tmp_path, monkeypatch):
    """With the cyclic GC off, whatever a cycle made in validation reaches stays to the end: the
    parsed sheet must already be gone when its table is validated."""
    from builders import clean, write_workbook

    from ectqa import readers
    from ectqa.config import load_config
    from ectqa.readers import xlsx

    events: list[str] = []
    release = xlsx._Parser.release

    def recording(self, sheet):
        events.append(f"released {sheet}")
        release(self, sheet)
        with pytest.raises(RuntimeError, match="released"):
            self.sheet(sheet)

    monkeypatch.setattr(xlsx._Parser, "release", recording)
    book = write_workbook(clean(), tmp_path / "clean.xlsx")
    readers.read(book, load_config(None, book), on_table=lambda dataset, name: events.append(f"validated {name}"))
    assert events == ["released studies", "validated studies", "released measurements", "validated measurements"]


def test_debug_error_while_a_sheet_is_still_parsing_exits_cleanly(tmp_path):
    """An error in the studies table while calamine may still parse a large measurements sheet:
    with --debug the traceback is shown and the process leaves as a check does (an interpreter
    teardown stopping calamine's thread inside a parse aborted with calamine 0.3)."""
    import os
    import subprocess
    import sys

    from test_hostile_input import sample, sheet_xml, write_raw_xlsx

    studies = [[""] * 3, [""] * 3] + sample("studies", 3)  # header on row 3: refused
    meas = sample("measurements")
    meas = meas[:1] + meas[1:] * (40_000 // (len(meas) - 1))
    book = write_raw_xlsx(tmp_path / "late.xlsx", [("studies", sheet_xml(studies)), ("measurements", sheet_xml(meas))])
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    proc = subprocess.run([sys.executable, "-m", "ectqa", "check", str(book), "--debug"], capture_output=True, check=False,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "header seems to be on row 3" in proc.stderr
    assert "Traceback" in proc.stderr and "FATAL" not in proc.stderr
