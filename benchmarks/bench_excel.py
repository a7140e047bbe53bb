"""How long the Excel outputs add to `ectqa check`, each run in a fresh process.

    python benchmarks/bench_excel.py [PATH] [--runs N]

Runs `ectqa check PATH` alone, then with --excel, --annotate and --robvis (each on its own, and
all three), interleaved so that a busy machine slows every variant alike, and prints the median
and the fastest wall-clock time of each, the median CPU time (less sensitive to a busy machine),
and the median extra over the check alone. The goal
(issue #5) is under 2 s extra for --excel on the sample data. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str]) -> tuple[float, float]:
    """(wall clock, CPU time of the child process) in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ectqa.cli", "check", *args, "--quiet"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"ectqa check {' '.join(args)} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "sample_data" / "extraction.xlsx"))
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        variants = {
            "check alone": [],
            "check + --excel": ["--excel", str(out / "report.xlsx")],
            "check + --annotate": ["--annotate", str(out / "annotated.xlsx")],
            "check + --robvis": ["--robvis", str(out / "robvis.csv")],
            "check + all three": ["--excel", str(out / "r.xlsx"), "--annotate", str(out / "a.xlsx"),
                                  "--robvis", str(out / "r.csv")],
        }
        run([ns.path])  # warm the file cache and the bytecode
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        for _ in range(ns.runs):
            for name, extra in variants.items():
                times[name].append(run([ns.path, *extra]))
    base_wall = statistics.median(t[0] for t in times["check alone"])
    base_cpu = statistics.median(t[1] for t in times["check alone"])
    print(f"ectqa check {ns.path}: {ns.runs} runs each, fresh processes (seconds)")
    print(f"{'variant':<20}{'wall median':>12}{'fastest':>9}{'extra':>8}{'CPU median':>12}{'extra':>8}")
    for name, values in times.items():
        wall = statistics.median(t[0] for t in values)
        cpu = statistics.median(t[1] for t in values)
        fastest = min(t[0] for t in values)
        extra_wall = "" if name == "check alone" else f"{wall - base_wall:+.2f}"
        extra_cpu = "" if name == "check alone" else f"{cpu - base_cpu:+.2f}"
        print(f"{name:<20}{wall:>12.2f}{fastest:>9.2f}{extra_wall:>8}{cpu:>12.2f}{extra_cpu:>8}")


if __name__ == "__main__":
    main()
