"""Benchmark: `improve import incidents` and `improve opportunities detect` on synthetic event
logs 1× and 10× the ServiceNow log (50× on request), against `pandas.read_csv` of the same file.

An N× log is N copies of ../shared/data/servicenow_incident_event_log.csv.gz one after another,
rows in their original order: copy k (from 0) has `-k` appended to `number` and to `problem_id`
and `rfc` when not `?`, and every timestamp moved k days later (copy 0 is the log itself). It is
written, streamed, into a temporary directory and deleted after its size is measured.

For each size, two sets of pairs taken with ``common.paired`` (A B then B A in turn, after a
warm-up pair): `improve import incidents` into a new IMPROVE_HOME (`improve init` first, not
counted) against a Python process that only runs `pandas.read_csv(path, dtype=str,
keep_default_na=False)`; then `improve opportunities detect` over the whole span against the
same pandas read. Detection records what it finds (a rerun records nothing new), so before each
detection the register file is put back as the import left it. Each command is one child process
of a small wrapper that reads RUSAGE_CHILDREN after it ends: its CPU seconds (user + system), wall
seconds and peak RSS, start-up included. Ratios are ours ÷ pandas, pair by pair: CPU first, peak
memory, then wall. Prints the pairs' lines and Markdown tables for docs/performance.md; asserts
nothing.

    .venv/bin/python bench/incident_scale.py                      # 1× and 10×, 3 pairs: ~4 min
    .venv/bin/python bench/incident_scale.py --sizes 50           # 50× alone, 3 pairs: ~14 min
    .venv/bin/python bench/incident_scale.py --sizes 10 --pairs 7 # more pairs: steadier medians
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from common import IMPROVE, ROOT, SHARED_DATA, Paired, clean_env, paired

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"
SIZES = (1, 10)
PAIRS = 3
# Flags given to `improve opportunities detect` besides --from/--to; change here if they change.
DETECT_FLAGS = ["--all", "--json"]
TIMESTAMPS = ("opened_at", "sys_created_at", "sys_updated_at", "resolved_at", "closed_at")
LINKS = ("problem_id", "rfc")
MISSING = "?"
BATCH = 20_000  # lines handed to the compressor at once
COMPRESSLEVEL = 1  # the readers decompress at the same speed; level 6 only makes writing slower

# Runs argv[2:] as its only child and writes its exit code, CPU and wall time and peak RSS to
# argv[1].
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_mb = usage.ru_maxrss / 2**20 if sys.platform == "darwin" else usage.ru_maxrss / 2**10
with open(sys.argv[1], "w") as out:
    json.dump(
        {"code": code, "cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "peak_mb": peak_mb},
        out,
    )
"""
PANDAS_READ = (
    "import sys, pandas\n"
    "t = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False)\n"
    "print(len(t), t['number'].nunique())\n"
)


@dataclass
class Generated:
    path: Path
    events: int
    incidents: int
    first_opened: date
    last_opened: date
    seconds: float


@dataclass
class Measured:
    code: int
    cpu: float
    wall: float
    peak_mb: float
    stdout: str
    stderr: str


class Failed(Exception):
    """A measured command did not succeed: its size has no figures."""


@dataclass
class Figures:
    """One command against its baseline, pair by pair: CPU, peak memory and wall."""

    cpu: Paired
    peak: Paired
    wall: Paired


@dataclass
class Size:
    copies: int
    log: Generated
    imported: Figures | None
    detected: Figures | None


def day(text: str) -> date:
    """`D/M/YYYY` as a date."""
    d, m, y = text.split("/")
    return date(int(y), int(m), int(d))


def generate(path: Path, copies: int) -> Generated:
    """Write the N× log to ``path`` (gzip), reading the real log once per copy, line by line."""
    start = time.perf_counter()
    with gzip.open(LOG, "rt", encoding="utf-8", newline="") as source:
        header = source.readline()
    names = header.rstrip("\r\n").split(",")
    width = len(names)
    number = names.index("number")
    opened = names.index("opened_at")
    links = [names.index(c) for c in LINKS]
    stamps = [names.index(c) for c in TIMESTAMPS]
    days: dict[str, date] = {}  # `D/M/YYYY` -> date, over all copies
    opened_days: set[str] = set()
    numbers: set[str] = set()
    events = 0
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=COMPRESSLEVEL) as out:
        out.write(header)
        for k in range(copies):
            suffix = f"-{k}" if k else ""
            shift = timedelta(days=k)
            moved: dict[str, str] = {MISSING: MISSING}  # timestamp text -> shifted, this copy
            batch: list[str] = []
            with gzip.open(LOG, "rt", encoding="utf-8", newline="") as source:
                source.readline()
                for line in source:
                    fields = line.rstrip("\r\n").split(",")
                    if len(fields) != width:
                        sys.exit(
                            f"{LOG}: a line with {len(fields)} fields (quoted commas?): {line!r}"
                        )
                    if k == 0:
                        numbers.add(fields[number])
                        opened_days.add(fields[opened].partition(" ")[0])
                    else:
                        fields[number] += suffix
                        for i in links:
                            if fields[i] != MISSING:
                                fields[i] += suffix
                        for i in stamps:
                            value = fields[i]
                            new = moved.get(value)
                            if new is None:
                                text, _, clock = value.partition(" ")
                                when = days.get(text)
                                if when is None:
                                    when = days[text] = day(text)
                                when += shift
                                new = moved[value] = f"{when.day}/{when.month}/{when.year} {clock}"
                            fields[i] = new
                    batch.append(",".join(fields) + "\n")
                    if len(batch) >= BATCH:
                        out.writelines(batch)
                        events += len(batch)
                        batch.clear()
            out.writelines(batch)
            events += len(batch)
    first = min(day(t) for t in opened_days)
    last = max(day(t) for t in opened_days) + timedelta(days=copies - 1)
    return Generated(path, events, len(numbers) * copies, first, last, time.perf_counter() - start)


def measured(args: list[str], env: dict[str, str], work: Path, name: str) -> Measured:
    """Run ``args`` as the only child of a wrapper process; its CPU and wall time, peak RSS."""
    result, out, err = (work / f"{name}.{ext}" for ext in ("json", "out", "err"))
    result.unlink(missing_ok=True)
    with out.open("wb") as stdout, err.open("wb") as stderr:
        code = subprocess.run(
            [sys.executable, "-c", MEASURE, str(result), *args],
            env=env,
            stdout=stdout,
            stderr=stderr,
        ).returncode
    text = out.read_text(errors="replace"), err.read_text(errors="replace")
    if code != 0 or not result.exists():
        return Measured(code or 1, float("nan"), float("nan"), float("nan"), *text)
    figures = json.loads(result.read_text())
    return Measured(figures["code"], figures["cpu"], figures["wall"], figures["peak_mb"], *text)


def succeeded(what: str, run: Measured) -> Measured:
    if run.code != 0:
        print(f"  {what} failed (exit {run.code}):", file=sys.stderr)
        print(
            "    " + (run.stderr.strip() or run.stdout.strip())[-2000:].replace("\n", "\n    "),
            file=sys.stderr,
        )
        raise Failed(what)
    return run


def findings(stdout: str) -> str:
    try:
        return str(len(json.loads(stdout)["opportunities"]))
    except (ValueError, KeyError, TypeError):
        return "?"


def in_pairs(ours: Callable[[], Measured], baseline: Callable[[], Measured], pairs: int) -> Figures:
    """``common.paired`` on CPU seconds; the same runs' peak memory and wall time kept aside and
    paired the same way (the warm-up pair, the first run of each, left out)."""
    runs: dict[str, list[Measured]] = {"ours": [], "baseline": []}

    def taken(side: str, run: Callable[[], Measured]) -> Callable[[], float]:
        def measure() -> float:
            runs[side].append(run())
            return runs[side][-1].cpu

        return measure

    cpu = paired(taken("ours", ours), taken("baseline", baseline), pairs)
    a, b = runs["ours"][1:], runs["baseline"][1:]
    return Figures(
        cpu,
        Paired([r.peak_mb for r in a], [r.peak_mb for r in b]),
        Paired([r.wall for r in a], [r.wall for r in b]),
    )


def run_size(copies: int, pairs: int, tmp: str | None) -> Size:
    with tempfile.TemporaryDirectory(prefix=f"incident-scale-{copies}x-", dir=tmp) as work_dir:
        work = Path(work_dir)
        log = generate(work / f"incidents_{copies}x.csv.gz", copies)
        megabytes = log.path.stat().st_size / 2**20
        print(
            f"{copies}×: generated {log.events:,} events, {log.incidents:,} incidents "
            f"({megabytes:.0f} MB gzip) in {log.seconds:.1f} s; opened "
            f"{log.first_opened} .. {log.last_opened}",
            file=sys.stderr,
        )
        homes = iter(range(1_000_000))
        imported_db = work / "imported.db"  # the register as the first import left it

        def pandas() -> Measured:
            run = succeeded(
                "pandas.read_csv",
                measured(
                    [sys.executable, "-c", PANDAS_READ, str(log.path)],
                    clean_env(str(work)),
                    work,
                    "pandas",
                ),
            )
            if run.stdout.split() != [str(log.events), str(log.incidents)]:
                print(
                    f"  pandas read {run.stdout.strip()} (rows, incidents), "
                    f"expected {log.events} {log.incidents}",
                    file=sys.stderr,
                )
            return run

        def import_() -> Measured:
            home = work / f"home-{next(homes)}"
            home.mkdir()
            env = clean_env(str(home))
            subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
            args = [*IMPROVE, "import", "incidents", str(log.path), "--mapping", str(MAPPING)]
            run = succeeded("improve import incidents", measured(args, env, work, "import"))
            if not imported_db.exists():
                print(f"  import: {run.stdout.strip()}", file=sys.stderr)
                shutil.copyfile(home / "improve.db", imported_db)
            shutil.rmtree(home)
            return run

        try:
            imported = in_pairs(import_, pandas, pairs)
        except Failed:
            return Size(copies, log, None, None)

        home = work / "home"
        home.mkdir()
        env = clean_env(str(home))
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        db = home / "improve.db"
        span = [
            "--from",
            (log.first_opened - timedelta(days=1)).isoformat(),
            "--to",
            (log.last_opened + timedelta(days=1)).isoformat(),
        ]
        shown: list[str] = []

        def detect() -> Measured:
            for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
                extra.unlink(missing_ok=True)
            shutil.copyfile(imported_db, db)
            args = [*IMPROVE, "opportunities", "detect", *span, *DETECT_FLAGS]
            what = f"improve opportunities detect {' '.join(span + DETECT_FLAGS)}"
            run = succeeded(what, measured(args, env, work, "detect"))
            found = findings(run.stdout)
            if found not in shown:
                shown.append(found)
                print(
                    f"  detect {' '.join(span + DETECT_FLAGS)}: {found} findings", file=sys.stderr
                )
            return run

        try:
            detected = in_pairs(detect, pandas, pairs)
        except Failed:
            detected = None
    return Size(copies, log, imported, detected)


def ratio(figures: Paired | None, digits: int = 2) -> str:
    """``median (min–max)`` of the pair ratios."""
    if figures is None:
        return "failed"
    r = figures.ratios
    low, mid, high = min(r), statistics.median(r), max(r)
    return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def median(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated multiples of the real log (default 1,10; 50 alone takes ~14 min)",
    )
    parser.add_argument("--pairs", type=int, default=PAIRS, help=f"pairs of each (default {PAIRS})")
    parser.add_argument("--tmp", default=None, help="where the temporary logs and homes go")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        sys.exit("--sizes: positive integers, e.g. 1,10,50")
    if not LOG.exists():
        sys.exit(f"{LOG} is not there")

    rows = []
    for copies in sizes:
        row = run_size(copies, options.pairs, options.tmp)
        rows.append(row)
        for what, figures in (("import", row.imported), ("detect", row.detected)):
            if figures is None:
                print(f"{copies}× {what}: failed")
                continue
            print(figures.cpu.line(f"{copies}× {what} ÷ pandas read, CPU"))
            print(figures.peak.line(f"{copies}× {what} ÷ pandas read, peak", "MB", 0))
            print(figures.wall.line(f"{copies}× {what} ÷ pandas read, wall"))
        sys.stdout.flush()

    print(
        "\nRatios, ours ÷ pandas read of the same file, median (min–max) of the pairs\n\n"
        "| size | events | import CPU | import peak | detect CPU | detect peak |"
    )
    print("|---|--:|--:|--:|--:|--:|")
    for row in rows:
        imp, det = row.imported, row.detected
        print(
            f"| {row.copies}× | {row.log.events:,} | {ratio(imp and imp.cpu)} "
            f"| {ratio(imp and imp.peak)} | {ratio(det and det.cpu)} | {ratio(det and det.peak)} |"
        )

    print(
        "\nMedians: CPU seconds and peak MB (pandas: beside the import / beside detection)\n\n"
        "| size | import s | import MB | detect s | detect MB | pandas s | pandas MB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        imp, det = row.imported, row.detected
        cells = []
        for figures in (imp, det):
            cells += (
                [median(figures.cpu.ours, 1), median(figures.peak.ours, 0)]
                if figures
                else ["failed", "failed"]
            )
        pandas_s = " / ".join(median(f.cpu.baseline, 1) for f in (imp, det) if f)
        pandas_mb = " / ".join(median(f.peak.baseline, 0) for f in (imp, det) if f)
        print(f"| {row.copies}× | {' | '.join(cells)} | {pandas_s} | {pandas_mb} |")

    print(
        "\nGrowth: median CPU seconds per million events (flat = linear; start-up weighs at 1×)\n"
    )
    print("| size | import | detect | pandas read |")
    print("|---|--:|--:|--:|")
    for row in rows:
        per = 1e6 / row.log.events
        imp, det = row.imported, row.detected
        pandas_runs = [x for f in (imp, det) if f for x in f.cpu.baseline]
        cells = [
            f"{statistics.median(f.cpu.ours) * per:.2f}" if f else "failed" for f in (imp, det)
        ]
        pd = f"{statistics.median(pandas_runs) * per:.2f}" if pandas_runs else "failed"
        print(f"| {row.copies}× | {cells[0]} | {cells[1]} | {pd} |")


if __name__ == "__main__":
    main()
