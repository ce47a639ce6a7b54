"""Run the benchmarks and print a Markdown table (also written to bench/results.md).

    python -m bench [--rows N]    (1,000,000 records by default; ATSUME_BENCH_ROWS for quick runs)

ATSUME_BENCH_DATABASE_URL selects the database (default: a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

from bench import scenarios
from bench.fixture import bench_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rows", type=int, default=int(os.environ.get("ATSUME_BENCH_ROWS", 1_000_000))
    )
    args = parser.parse_args()
    url = os.environ.get("ATSUME_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with bench_app(url) as app:
            results = scenarios.run_all(app, args.rows)
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
    Path(__file__).with_name("results.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
