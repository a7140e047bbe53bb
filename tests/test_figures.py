"""Tests for ectqa.synthesis.figures: each figure is written as PNG and SVG, deterministically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from ectqa.synthesis import pool, smcr  # noqa: E402
from ectqa.synthesis.figures import forest_plot, summary_bar_plot, traffic_light_plot  # noqa: E402

DOMAINS = ["sample_size", "confounding", "comparison", "timing", "measurement", "reporting"]

QUALITY = [
    {"study_id": "A2001", "domains": {"sample_size": "low", "confounding": "high",
                                      "comparison": "some_concerns", "timing": "low",
                                      "measurement": "no_information", "reporting": "low"},
     "overall": "high"},
    {"study_id": "B2004", "domains": {"sample_size": "some_concerns", "confounding": "low",
                                      "comparison": "low", "timing": "low",
                                      "measurement": "low", "reporting": "some_concerns"},
     "overall": "some_concerns"},
    # A domain left out is drawn as no information.
    {"study_id": "C2010", "domains": {"sample_size": "low"}, "overall": "no_information"},
]


def _rows():
    ids = ["A2001", "B2004", "C2010", "D2015"]
    n = [13, 30, 22, 86]
    yi, vi = smcr([3.6, 5.1, 2.5, 3.9], [4.1, 6.8, 3.2, 3.8], [2.1, 4.2, 1.4, 1.9], n)
    return [{"study_id": s, "yi": float(y), "vi": float(v), "n": k}
            for s, y, v, k in zip(ids, yi, vi, n, strict=True)], yi, vi


def _assert_written(paths, stem: Path) -> None:
    png, svg = paths
    assert png == stem.parent / (stem.name + ".png") and svg == stem.parent / (stem.name + ".svg")
    assert png.stat().st_size > 1000 and svg.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<dc:date>" not in text


def test_forest_plot(tmp_path):
    rows, yi, vi = _rows()
    symbols = {"A2001": "+ x - ?", "B2004": "- + + +", "D2015": "+ + + +"}  # C2010 has none
    stem = tmp_path / "forest_IL-6"
    _assert_written(forest_plot(rows, pool(yi, vi, "PM"), stem, "IL-6", judgements=symbols), stem)


def test_forest_plot_without_judgements_and_single_study(tmp_path):
    rows, yi, vi = _rows()
    stem = tmp_path / "sub" / "forest_single"  # the folder is created
    _assert_written(forest_plot(rows[:1], pool(yi[:1], vi[:1]), stem, "one study"), stem)


def test_traffic_light_plot(tmp_path):
    stem = tmp_path / "traffic"
    _assert_written(traffic_light_plot(QUALITY, DOMAINS, stem), stem)


@pytest.mark.parametrize("weights", [None, {"A2001": 13.0, "B2004": 30.0, "C2010": 22.0}])
def test_summary_bar_plot(tmp_path, weights):
    stem = tmp_path / "summary"
    _assert_written(summary_bar_plot(QUALITY, DOMAINS, weights, stem), stem)


def test_figures_are_deterministic(tmp_path):
    a = traffic_light_plot(QUALITY, DOMAINS, tmp_path / "a")
    b = traffic_light_plot(QUALITY, DOMAINS, tmp_path / "b")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()


def test_no_scipy_stats_and_no_eager_matplotlib(tmp_path):
    # Importing the synthesis package must not pull in matplotlib (figures import it lazily),
    # and nothing, figures included, may import scipy.stats (0.8 s).
    code = f"""
import sys
import ectqa.synthesis, ectqa.synthesis.figures
assert "matplotlib" not in sys.modules, "matplotlib imported at module level"
from ectqa.synthesis.figures import traffic_light_plot
traffic_light_plot({QUALITY!r}, {DOMAINS!r}, {str(tmp_path / "t")!r})
assert "matplotlib" in sys.modules
assert "scipy.stats" not in sys.modules, "scipy.stats was imported"
"""
    src = Path(__file__).resolve().parents[1] / "src"
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
