"""Run the benchmarks and print a Markdown table (also written to bench/results.md).

    python -m bench [--rows N] [--list-rows N]

1,000,000 records by default; ATSUME_BENCH_ROWS for quick runs.

ATSUME_BENCH_DATABASE_URL selects the database (default: a temporary SQLite file). The
list-query benchmark (bench/list_queries.py) then runs on its own form of a million
records (``--list-rows`` or ATSUME_BENCH_LIST_ROWS; 0 skips it), on SQLite and, when that
variable names PostgreSQL, on PostgreSQL too.
ATSUME_BENCH_CROSSTAB_ROWS sets the size of the cross-tab survey (default 1,000,000).
The public form under load (bench/public.py; alone: ``python -m bench.public``) runs last;
ATSUME_BENCH_PUBLIC_ROUNDS=0 leaves it out.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

from bench import crosstab, list_queries, public, scenarios
from bench.fixture import bench_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rows", type=int, default=int(os.environ.get("ATSUME_BENCH_ROWS", 1_000_000))
    )
    parser.add_argument(
        "--list-rows",
        type=int,
        default=int(os.environ.get("ATSUME_BENCH_LIST_ROWS", 1_000_000)),
    )
    args = parser.parse_args()
    url = os.environ.get("ATSUME_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with bench_app(url) as app:
            results = scenarios.run_all(app, args.rows)
            if crosstab.ROWS:  # ATSUME_BENCH_CROSSTAB_ROWS=0 leaves the cross-tabs out
                results += crosstab.run_all(app)
    engine = url.split(":", 1)[0]
    lines = [
        f"Rows per form: {args.rows:,}; database: {engine}; Python {platform.python_version()}.",
        "",
        "| scenario | Atsume | baseline | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.ours} | {r.baseline} | {r.ratio} |")
    text = "\n".join(lines)
    print(text)
    if args.list_rows:
        text += "\n\n" + list_queries.main(args.list_rows)
    if public.Settings.from_environment().rounds:
        text += "\n\n" + public.run_all()
    Path(__file__).with_name("results.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
