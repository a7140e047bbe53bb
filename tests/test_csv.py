"""The CSV reader's byte-level tests for padded cells (readers/csv.py): the same answer as the
regex they replace, and never a column ruled out whose cells str.strip() would change."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ectqa.readers.csv import _edged_columns, _padding

# the rule as first written: a blank or tab next to a separator, a quote or a line end
PADDED = re.compile(r'(?:^|[,;\t\n"])[ \t]|[ \t](?:$|[,;\t\r\n"])', re.MULTILINE)

TEXT = st.text(alphabet=st.sampled_from(list('ab1 .\t"\xa0\u2003\u3000µαé,;\r\x0b\x1f')), max_size=6)


def write(rows: list[list[str]], sep: str, end: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=end).writerows(rows)
    return buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=6),
       sep=st.sampled_from([",", ";", "\t"]), end=st.sampled_from(["\n", "\r\n"]))
def test_padding_matches_the_rule_and_misses_no_column(rows, sep, end):
    text = write([["x", "y", "z"], *rows], sep, end)
    utf8 = text.encode()
    padded, edged = _padding(utf8, sep)
    assert padded == (PADDED.search(text) is not None)
    edged = _edged_columns(np.frombuffer(utf8, dtype=np.uint8), ord(sep))
    if edged is None:
        return  # quoting it cannot follow: every column is checked
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    if len(parsed) != text.count("\n"):
        return  # a record over several lines (or a lone CR): the reader's careful path, which rules out nothing
    for row in parsed[1:]:
        for j, cell in enumerate(row):
            if cell != cell.strip():
                assert j in edged, (j, cell, text)


def test_columns_of_padded_cells_only():
    text = 'a,b,c,d\n1, 2,"x ",\u03b1\n3,4,"y,z",µg\n'
    assert _padding(text.encode(), ",") == (True, {1, 2})


def test_quotes_it_cannot_follow_rule_out_nothing():
    assert _edged_columns(np.frombuffer(b'a,b\n1,x"y \n', dtype=np.uint8), ord(",")) is None


def test_no_padding_at_all():
    assert _padding(b"a,b\n1,2\n", ",") == (False, None)
