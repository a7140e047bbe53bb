"""How `ectqa check` scales with the number of rows, against reading the file and against Frictionless.

    python benchmarks/bench_scale.py [--sizes 1000,10000,100000,1000000] [--runs 3]
                                     [--skip-frictionless] [--skip-xlsx] [--data DIR]

For each size N (measurement rows; about N/20 studies, 1% of rows with schema errors, made by
benchmarks/make_large.py into DIR/N/ on first use) and each form (workbook, CSV folder), each
command runs in a fresh process, interleaved so that a busy machine slows each alike:

  read   a bare read of the same file into pandas DataFrames with the same reader library,
         imports included (python-calamine for .xlsx; pd.read_csv(dtype=str) for CSV);
  ectqa  `ectqa check PATH --format json`, stdout to /dev/null;
  fl     `frictionless validate datapackage.json --limit-errors 10**9 --json` on the CSV folder,
         with the Table Schema from `ectqa schema --format frictionless` (the closest peer);
  floor  (CSV) the bare read with pandera imported as ectqa imports it: what any check with the
         project's stack costs before it checks anything.

It prints the median wall-clock time of --runs runs (one run at 1,000,000 rows, CSV only), the
median CPU time of ectqa (less sensitive to other work on the machine), the ratios ectqa/read and
fl/ectqa, ectqa's peak resident memory (ru_maxrss of that child, from os.wait4), the growth from
10,000 to 100,000 rows, and the issue #9 targets. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

READ_XLSX = """
import sys, pandas as pd
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
frames = {}
for name in ("studies", "measurements"):
    cells = book.get_sheet_by_name(name).to_python()
    frames[name] = pd.DataFrame(cells[1:], columns=cells[0])
"""
READ_CSV = """
import sys, pandas as pd
from pathlib import Path
frames = {name: pd.read_csv(Path(sys.argv[1]) / f"{name}.csv", dtype=str, keep_default_na=False)
          for name in ("studies", "measurements")}
"""
# the floor of any pandera-based check of a CSV folder: the bare read, and pandera imported
FLOOR_CSV = READ_CSV + """
from ectqa.schema.engine import pandera
pandera()
"""


# children cache bytecode as on a user's machine, even where the sandbox sets
# PYTHONDONTWRITEBYTECODE (ectqa's own modules would be compiled again in every run)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one fresh process."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            stderr.seek(0)
            err = stderr.read().decode(errors="replace").strip()
            sys.exit(f"{' '.join(argv[:3])} ... failed (exit {code}): {err[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def prepare(n: int, data: Path, xlsx: bool, frictionless: bool) -> Path:
    """DIR/N with extraction/ (and extraction.xlsx, datapackage.json), made once."""
    import make_large

    folder = data / str(n)
    csv_dir = folder / "extraction"
    book = folder / "extraction.xlsx"
    if not (csv_dir / "measurements.csv").exists() or (xlsx and not book.exists()):
        print(f"making {n:,} rows in {folder} ...", file=sys.stderr, flush=True)
        studies, rows, _ = make_large.make(n)
        if not (csv_dir / "measurements.csv").exists():
            make_large.write_csv(studies, rows, csv_dir)
        if xlsx and not book.exists():
            make_large.write_xlsx(studies, rows, book)
    package = csv_dir / "datapackage.json"
    if frictionless and not package.exists():
        proc = subprocess.run([sys.executable, "-m", "ectqa.cli", "schema", "--format", "frictionless",
                               "--out", str(package)], check=False, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"ectqa schema --format frictionless failed: {proc.stderr.strip()}")
        # the export's resources are studies.csv and measurements.csv beside it; check that
        spec = json.loads(package.read_text(encoding="utf-8"))
        assert {r["path"] for r in spec["resources"]} == {"studies.csv", "measurements.csv"}, spec
    return folder


def commands(folder: Path, form: str, frictionless: bool) -> dict[str, tuple[list[str], tuple[int, ...]]]:
    path = folder / ("extraction.xlsx" if form == "xlsx" else "extraction")
    out = {
        "read": ([sys.executable, "-c", READ_XLSX if form == "xlsx" else READ_CSV, str(path)], (0,)),
        "ectqa": ([sys.executable, "-m", "ectqa.cli", "check", str(path), "--format", "json"], (0, 1)),
    }
    if form == "csv":
        out["floor"] = ([sys.executable, "-c", FLOOR_CSV, str(path)], (0,))
    if form == "csv" and frictionless:
        fl = BIN / "frictionless"
        out["fl"] = ([str(fl), "validate", str(path / "datapackage.json"), "--limit-errors",
                      str(10**9), "--json"], (0, 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="measurement rows, comma-separated (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs per command (1 at 1,000,000 rows and above)")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--xlsx-max", type=int, default=100_000,
                        help="largest size also run as a workbook (default %(default)s)")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    ns = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in ns.sizes.split(",") if s.strip()]
    fl_ok = not ns.skip_frictionless
    if fl_ok and not (BIN / "frictionless").exists():
        sys.exit(f"{BIN / 'frictionless'} not found: pip install frictionless, or --skip-frictionless")

    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
          f" (1/5/15 min), {os.cpu_count()} CPUs", flush=True)
    results: dict[tuple[int, str], dict[str, list[tuple[float, float, float]]]] = {}
    for n in sizes:
        xlsx = not ns.skip_xlsx and n <= ns.xlsx_max
        folder = prepare(n, ns.data, xlsx, fl_ok)
        runs = ns.runs if n < 1_000_000 else 1
        for form in (["xlsx"] if xlsx else []) + ["csv"]:
            todo = commands(folder, form, fl_ok)
            run(todo["read"][0])  # warm the file cache and the bytecode
            times = results[(n, form)] = {name: [] for name in todo}
            for _ in range(runs):
                for name, (argv, ok) in todo.items():
                    times[name].append(run(argv, ok))
            line(n, form, times)
    print_table(results, sizes)
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def med(values: list[tuple[float, float, float]], i: int) -> float:
    return statistics.median(v[i] for v in values)


def line(n: int, form: str, times: dict) -> None:
    parts = [f"{name} {med(v, 0):.2f}s" for name, v in times.items()]
    print(f"  {n:>9,} {form:<4} " + ", ".join(parts), file=sys.stderr, flush=True)


def print_table(results: dict, sizes: list[int]) -> None:
    print()
    print("Wall-clock medians in seconds, each command a fresh process; RSS = ectqa's peak resident memory.")
    head = (f"{'rows':>9} {'form':<4} {'runs':>4} {'read':>7} {'ectqa':>7} {'ectqa/read':>10} "
            f"{'fl':>8} {'fl/ectqa':>8} {'ectqa CPU':>9} {'RSS MB':>7}")
    print(head)
    print("-" * len(head))
    for (n, form), t in results.items():
        read, check = med(t["read"], 0), med(t["ectqa"], 0)
        fl = f"{med(t['fl'], 0):>8.2f}" if "fl" in t else f"{'':>8}"
        ratio_fl = f"{med(t['fl'], 0) / check:>7.1f}x" if "fl" in t else f"{'':>8}"
        print(f"{n:>9,} {form:<4} {len(t['ectqa']):>4} {read:>7.2f} {check:>7.2f} {check / read:>9.2f}x "
              f"{fl} {ratio_fl} {med(t['ectqa'], 1):>9.2f} {max(v[2] for v in t['ectqa']):>7.0f}")
    print()
    for form in ("xlsx", "csv"):
        if (10_000, form) in results and (100_000, form) in results:
            a, b = results[(10_000, form)], results[(100_000, form)]
            growth = {name: med(b[name], 0) / med(a[name], 0) for name in b if name in a}
            print(f"growth 10,000 -> 100,000 rows ({form}): "
                  + ", ".join(f"{name} {g:.1f}x" for name, g in growth.items()))
    print()
    print("issue #9 targets:")
    if (100_000, "xlsx") in results:
        t = results[(100_000, "xlsx")]
        r = med(t["ectqa"], 0) / med(t["read"], 0)
        print(f"  100,000-row workbook: ectqa <= 1.5x the bare read: {r:.2f}x  {'met' if r <= 1.5 else 'NOT met'}")
    if (100_000, "csv") in results and "fl" in results[(100_000, "csv")]:
        t = results[(100_000, "csv")]
        r = med(t["fl"], 0) / med(t["ectqa"], 0)
        print(f"  100,000-row CSV folder: ectqa >= 10x faster than frictionless: {r:.1f}x  "
              f"{'met' if r >= 10 else 'NOT met'}")
        print(f"    (10x needs ectqa <= {med(t['fl'], 0) / 10:.2f}s; the bare read with pandera imported, "
              f"before any check, takes {med(t['floor'], 0):.2f}s)")
    for form in ("xlsx", "csv"):
        if (10_000, form) in results and (100_000, form) in results:
            g = med(results[(100_000, form)]["ectqa"], 0) / med(results[(10_000, form)]["ectqa"], 0)
            print(f"  growth 10k -> 100k <= 11x ({form}): {g:.1f}x  {'met' if g <= 11 else 'NOT met'}")
    for form in ("xlsx", "csv"):
        if (100_000, form) in results:
            rss = max(v[2] for v in results[(100_000, form)]["ectqa"])
            print(f"  peak RSS at 100,000 rows < 600 MB ({form}): {rss:.0f} MB  {'met' if rss < 600 else 'NOT met'}")


if __name__ == "__main__":
    main()
