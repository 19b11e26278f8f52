"""Benchmark: `improve import incidents` and `improve opportunities detect` on synthetic event
logs 1×, 10× and 50× the ServiceNow log, against `pandas.read_csv` of the same file.

An N× log is N copies of ../shared/data/servicenow_incident_event_log.csv.gz one after another,
rows in their original order: copy k (from 0) has `-k` appended to `number` and to `problem_id`
and `rfc` when not `?`, and every timestamp moved k days later (copy 0 is the log itself). It is
written, streamed, into a temporary directory and deleted after its size is measured.

For each size, in a fresh IMPROVE_HOME: wall time and peak RSS of `improve import incidents`,
of `improve opportunities detect` over the whole span, and of a Python process that only runs
`pandas.read_csv(path, dtype=str, keep_default_na=False)`. Each is one child process measured on
its own (a small wrapper process reads RUSAGE_CHILDREN after its single child ends); times
include interpreter start-up. Prints Markdown tables for docs/performance.md; asserts nothing.

    .venv/bin/python bench/incident_scale.py                # 1, 10, 50
    .venv/bin/python bench/incident_scale.py --sizes 1,10   # choose the sizes
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from common import IMPROVE, ROOT, SHARED_DATA, clean_env

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"
SIZES = (1, 10, 50)
# Flags given to `improve opportunities detect` besides --from/--to; change here if they change.
DETECT_FLAGS = ["--all", "--json"]
TIMESTAMPS = ("opened_at", "sys_created_at", "sys_updated_at", "resolved_at", "closed_at")
LINKS = ("problem_id", "rfc")
MISSING = "?"
BATCH = 20_000  # lines handed to the compressor at once
COMPRESSLEVEL = 1  # the readers decompress at the same speed; level 6 only makes writing slower

# Runs argv[2:] as its only child and writes its exit code, wall time and peak RSS to argv[1].
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 2**10
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "wall": wall, "peak_mb": peak_mb}, out)
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
    wall: float
    peak_mb: float
    stdout: str
    stderr: str


@dataclass
class Size:
    copies: int
    log: Generated
    imported: Measured
    detected: Measured
    pandas: Measured


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
    """Run ``args`` as the only child of a wrapper process; its wall time and peak RSS."""
    result, out, err = (work / f"{name}.{ext}" for ext in ("json", "out", "err"))
    with out.open("wb") as stdout, err.open("wb") as stderr:
        code = subprocess.run(
            [sys.executable, "-c", MEASURE, str(result), *args],
            env=env,
            stdout=stdout,
            stderr=stderr,
        ).returncode
    if code != 0 or not result.exists():
        text = out.read_text(errors="replace"), err.read_text(errors="replace")
        return Measured(code or 1, float("nan"), float("nan"), *text)
    figures = json.loads(result.read_text())
    return Measured(
        figures["code"],
        figures["wall"],
        figures["peak_mb"],
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
    )


def report_failure(what: str, run: Measured) -> None:
    print(f"  {what} failed (exit {run.code}):", file=sys.stderr)
    print(
        "    " + (run.stderr.strip() or run.stdout.strip())[-2000:].replace("\n", "\n    "),
        file=sys.stderr,
    )


def findings(stdout: str) -> str:
    try:
        return str(len(json.loads(stdout)["opportunities"]))
    except (ValueError, KeyError, TypeError):
        return "?"


def run_size(copies: int, tmp: str | None) -> Size:
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
        home = work / "home"
        home.mkdir()
        env = clean_env(str(home))

        pandas = measured([sys.executable, "-c", PANDAS_READ, str(log.path)], env, work, "pandas")
        if pandas.code != 0:
            report_failure("pandas.read_csv", pandas)
        elif pandas.stdout.split() != [str(log.events), str(log.incidents)]:
            print(
                f"  pandas read {pandas.stdout.strip()} (rows, incidents), "
                f"expected {log.events} {log.incidents}",
                file=sys.stderr,
            )

        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        imported = measured(
            [*IMPROVE, "import", "incidents", str(log.path), "--mapping", str(MAPPING)],
            env,
            work,
            "import",
        )
        if imported.code != 0:
            report_failure("improve import incidents", imported)
        else:
            print(f"  import: {imported.stdout.strip()}", file=sys.stderr)

        span = [
            "--from",
            (log.first_opened - timedelta(days=1)).isoformat(),
            "--to",
            (log.last_opened + timedelta(days=1)).isoformat(),
        ]
        detected = measured(
            [*IMPROVE, "opportunities", "detect", *span, *DETECT_FLAGS], env, work, "detect"
        )
        if detected.code != 0:
            report_failure(
                f"improve opportunities detect {' '.join(span + DETECT_FLAGS)}", detected
            )
        else:
            print(
                f"  detect {' '.join(span + DETECT_FLAGS)}: {findings(detected.stdout)} findings",
                file=sys.stderr,
            )
    return Size(copies, log, imported, detected, pandas)


def seconds(run: Measured) -> str:
    return f"{run.wall:.2f}" if run.code == 0 else "failed"


def peak(run: Measured) -> str:
    return f"{run.peak_mb:.0f}" if run.code == 0 else "failed"


def ratio(a: Measured, b: Measured, field: str) -> str:
    if a.code or b.code:
        return "–"
    return f"{getattr(a, field) / getattr(b, field):.1f}"


def per_million(run: Measured, events: int) -> str:
    return f"{run.wall / events * 1e6:.2f}" if run.code == 0 else "failed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated multiples of the real log (default 1,10,50)",
    )
    parser.add_argument("--tmp", default=None, help="where the temporary logs and homes go")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        sys.exit("--sizes: positive integers, e.g. 1,10,50")
    if not LOG.exists():
        sys.exit(f"{LOG} is not there")

    rows = [run_size(copies, options.tmp) for copies in sizes]

    print(
        "\n| size | events | incidents | import s | import peak MB | detect s | detect peak MB "
        "| pandas read s | pandas peak MB | import/pandas time | import/pandas peak |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        log, imp, det, pd = row.log, row.imported, row.detected, row.pandas
        print(
            f"| {row.copies}× | {log.events:,} | {log.incidents:,} | {seconds(imp)} | {peak(imp)} "
            f"| {seconds(det)} | {peak(det)} | {seconds(pd)} | {peak(pd)} "
            f"| {ratio(imp, pd, 'wall')} | {ratio(imp, pd, 'peak_mb')} |"
        )

    print("\nGrowth: seconds per million events (flat = linear; start-up weighs most at 1×)\n")
    print("| size | import s/M events | detect s/M events | pandas read s/M events |")
    print("|---|--:|--:|--:|")
    for row in rows:
        log, imp, det, pd = row.log, row.imported, row.detected, row.pandas
        print(
            f"| {row.copies}× | {per_million(imp, log.events)} | {per_million(det, log.events)} "
            f"| {per_million(pd, log.events)} |"
        )


if __name__ == "__main__":
    main()
