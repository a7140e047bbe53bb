"""Cold-process timings of ectqa's start-up and of a check of the sample data.

Usage: python benchmarks/bench_startup.py [--runs 7]
Prints the median and spread of fresh processes (imports included), as pre-commit sees them.
Bytecode caching is on in the children even where PYTHONDONTWRITEBYTECODE is set (as in some
sandboxes): a user's machine caches .pyc files, and the first, warming run writes them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ectqa_command() -> list[str]:
    exe = shutil.which("ectqa", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ectqa.cli"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    base = ectqa_command()
    cases = {
        "ectqa --version": base + ["--version"],
        "ectqa --help": base + ["--help"],
        "ectqa check sample workbook (json)": base + ["check", "sample_data/extraction.xlsx", "--format", "json"],
        "ectqa check sample workbook (terminal)": base + ["check", "sample_data/extraction.xlsx"],
        "ectqa check sample CSV folder (json)": base + ["check", "sample_data/extraction", "--format", "json"],
        "python -c pass (interpreter floor)": [sys.executable, "-c", "pass"],
    }
    print(f"{'command':<42} {'median s':>9} {'min s':>7} {'max s':>7}  ({args.runs} cold runs)")
    for name, cmd in cases.items():
        timed(cmd, 1)  # warm the disk cache, as a developer's machine is
        t = timed(cmd, args.runs)
        print(f"{name:<42} {statistics.median(t):>9.3f} {min(t):>7.3f} {max(t):>7.3f}")


if __name__ == "__main__":
    main()
