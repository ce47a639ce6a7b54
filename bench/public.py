"""The public form under load: Atsume against a hand-written Flask-WTF app.

    python -m bench.public

Both apps serve the same form (bench/public_forms.py) under gunicorn with the same number
of sync workers, on the same database engine. ``wrk`` sends, per path, as many requests as
the servers take: the form (GET), the confirmation POST, the final submit (a new
submission token per request) and the API POST; a few Python clients make whole visits
(GET → confirmation → submit, following each app's own tokens). Rounds alternate between
the apps; the medians are compared. Then 10,000 more submissions go to each app, and its
workers' memory is read before and after. Every answer is checked, and the records the
load generator saw stored are counted in both databases afterwards.

SQLite always; PostgreSQL too when ATSUME_BENCH_DATABASE_URL names it. Settings:
ATSUME_BENCH_PUBLIC_ROUNDS (5), ATSUME_BENCH_PUBLIC_SECONDS (5 per path and app and round),
ATSUME_BENCH_PUBLIC_WORKERS (2), ATSUME_BENCH_PUBLIC_CONNECTIONS (2 per worker),
ATSUME_BENCH_PUBLIC_SUBMISSIONS (10,000; 0 leaves the memory run out).
The Markdown goes to stdout and replaces this benchmark's section of bench/results.md.
"""

from __future__ import annotations

import os
import platform
import secrets
import statistics
import tempfile
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import public_atsume, public_baseline, public_flow, public_wrk
from bench.public_forms import SLUG
from bench.public_servers import Server

HEADING = "## The public form under load"
RESULTS = Path(__file__).with_name("results.md")

#: path name -> (row label, unit, target ratio)
PATHS = {
    "get": ("GET /f/<slug> (the form)", "req/s", 0.8),
    "confirm": ("POST to the confirmation page", "req/s", 0.8),
    "submit": ("final submit (insert, 303)", "req/s", 0.7),
    "api": ("API POST record (201)", "req/s", 0.7),
    "flow": ("whole visit (GET → confirmation → submit)", "visits/s", 0.7),
}
WRITING = ("submit", "api")


def _setting(name: str, default: float) -> float:
    return float(os.environ.get(f"ATSUME_BENCH_PUBLIC_{name}", "").strip() or default)


@dataclass
class Settings:
    """How long and how hard to drive the apps (from ATSUME_BENCH_PUBLIC_* variables)."""

    rounds: int
    seconds: float
    workers: int
    connections: int
    submissions: int
    wrk_threads: int = 2

    @classmethod
    def from_environment(cls) -> Settings:
        workers = int(_setting("WORKERS", 2))
        connections = int(_setting("CONNECTIONS", 2 * workers))
        return cls(
            rounds=int(_setting("ROUNDS", 5)),
            seconds=_setting("SECONDS", 5),
            workers=workers,
            connections=connections,
            submissions=int(_setting("SUBMISSIONS", 10_000)),
            wrk_threads=min(2, connections),
        )


@dataclass
class Side:
    """One app under test: its server, the requests to send, what it stored."""

    name: str
    server: Server
    targets: dict[str, public_wrk.Target]
    count_stored: object  # () -> (records, multiple-choice rows)
    rates: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    first_errors: list[str] = field(default_factory=list)
    #: answers that said "stored", and requests that may have been stored unanswered
    stored_answers: int = 0
    in_flight: int = 0
    memory: list[dict[int, float]] = field(default_factory=list)

    @property
    def form_path(self) -> str:
        return self.targets["get"].path

    def note(self, name: str, bad: int, first: str) -> None:
        """Count *bad* answers of a run of path *name* (warm-up and memory run included)."""
        self.errors[name] = self.errors.get(name, 0) + bad
        if bad and first:
            self.first_errors.append(f"{name}: {first}")


def _wrk(side: Side, name: str, settings: Settings, seconds: float, quota: int = 0):
    """One wrk run of path *name*; its errors are counted under *name*."""
    result = public_wrk.run(
        side.server.base,
        side.targets[name],
        seconds,
        settings.connections,
        settings.wrk_threads,
        quota=quota,
        round_id=secrets.token_hex(5),
    )
    if name in WRITING:
        side.stored_answers += result.succeeded
        side.in_flight += settings.connections
    side.note(name, result.bad + result.socket_errors, result.first_bad)
    return result


def _flows(side: Side, settings: Settings, seconds: float) -> public_flow.FlowRun:
    result = public_flow.run_flows(side.server.base, side.form_path, seconds, settings.connections)
    side.stored_answers += result.flows
    side.in_flight += result.errors
    side.note("flow", result.errors, result.first_error)
    return result


def measure(sides: list[Side], settings: Settings) -> None:
    """Warm up, then the interleaved rounds, then the memory run."""
    for side in sides:
        for name in ("get", "confirm", *WRITING):
            _wrk(side, name, settings, 1)
        _flows(side, settings, 1)
        side.memory.append(side.server.worker_rss())
    for number in range(settings.rounds):
        order = sides if number % 2 == 0 else sides[::-1]
        for name in ("get", "confirm", *WRITING):
            for side in order:
                result = _wrk(side, name, settings, settings.seconds)
                side.rates.setdefault(name, []).append(result.rate)
        for side in order:
            flows = _flows(side, settings, settings.seconds)
            side.rates.setdefault("flow", []).append(flows.rate)
    for side in sides:
        side.memory.append(side.server.worker_rss())
        if settings.submissions:
            per_thread = -(-settings.submissions // settings.wrk_threads)
            _wrk(side, "submit", settings, 3600, quota=per_thread)
            side.memory.append(side.server.worker_rss())


def _with_schema(url: str, schema: str) -> str:
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def databases(kind: str, workdir: Path, pg_url: str | None):
    """(Atsume's URL, the baseline's URL): two SQLite files, or two new PostgreSQL schemas
    dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'atsume.db'}", f"sqlite:///{workdir / 'baseline.db'}"
        return
    suffix = uuid.uuid4().hex[:8]
    schemas = [f"bench_public_atsume_{suffix}", f"bench_public_baseline_{suffix}"]
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for schema in schemas:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield tuple(_with_schema(pg_url, schema) for schema in schemas)
    finally:
        with admin.connect() as connection:
            for schema in schemas:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _counter(url: str, records: str, values: str, value_filter: str):
    def count() -> tuple[int, int]:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                stored = connection.scalar(sa.text(f"SELECT count(*) FROM {records}"))
                chosen = connection.scalar(
                    sa.text(f"SELECT count(*) FROM {values} {value_filter}")
                )
        finally:
            engine.dispose()
        return stored, chosen

    return count


def run_engine(kind: str, settings: Settings, pg_url: str | None = None) -> str:
    """Measure both apps on one database engine; the Markdown section for it."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        atsume_url, baseline_url = stack.enter_context(databases(kind, workdir, pg_url))
        site = public_atsume.prepare(atsume_url, workdir)
        public_baseline.create_tables(baseline_url)
        api_token = secrets.token_urlsafe(32)
        path = f"/f/{SLUG}"
        atsume = stack.enter_context(
            Server("Atsume", "app:create_app()", site.env, settings.workers,
                   workdir / "atsume.log", path)
        )
        baseline = stack.enter_context(
            Server(
                "baseline",
                "bench.public_baseline:create_app()",
                {
                    "BENCH_BASELINE_DATABASE_URL": baseline_url,
                    "BENCH_BASELINE_SECRET_KEY": secrets.token_hex(32),
                    "BENCH_BASELINE_API_TOKEN": api_token,
                },
                settings.workers,
                workdir / "baseline.log",
                path,
            )
        )
        sides = [
            Side(
                "Atsume",
                atsume,
                public_flow.targets(
                    atsume.base, path, f"/api/v1/forms/{site.form_id}/records", site.token
                ),
                _counter(
                    atsume_url,
                    site.records_table,
                    site.values_table,
                    f"WHERE field = '{site.columns['days']}'",
                ),
            ),
            Side(
                "baseline",
                baseline,
                public_flow.targets(baseline.base, path, f"/api/forms/{SLUG}/records", api_token),
                _counter(
                    baseline_url, public_baseline.answers.name, public_baseline.answer_days.name, ""
                ),
            ),
        ]
        measure(sides, settings)
        for side in sides:
            side.server.stop()
        return report(kind, sides, settings, (load, os.getloadavg()[0]))


def _median(values: list[float]) -> str:
    if not values:
        return "–"
    spread = f" ({min(values):.0f}–{max(values):.0f})" if len(values) > 1 else ""
    return f"{statistics.median(values):.0f}{spread}"


def report(kind: str, sides: list[Side], settings: Settings, load: tuple[float, float]) -> str:
    """The section of one engine: rates, ratios, errors, memory, stored records."""
    atsume, baseline = sides
    lines = [
        f"**{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}**",
        "",
        f"Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end.",
        "",
        "| path | Atsume | baseline | ratio | target | errors, all runs (Atsume / baseline) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, (label, unit, target) in PATHS.items():
        ours, theirs = atsume.rates.get(name, []), baseline.rates.get(name, [])
        # each round measures both apps back to back: the median of the rounds' ratios is
        # steadier than a ratio of medians when the machine's load changes between rounds
        pairs = [a / b for a, b in zip(ours, theirs, strict=True) if b]
        ratio = statistics.median(pairs) if pairs else 0.0
        verdict = "met" if ratio >= target else "not met"
        lines.append(
            f"| {label} | {_median(ours)} {unit} | {_median(theirs)} {unit} | {ratio:.2f} "
            f"| ≥ {target} ({verdict}) | {atsume.errors.get(name, 0)} / "
            f"{baseline.errors.get(name, 0)} |"
        )
    lines += ["", _memory_table(sides, settings), ""]
    for side in sides:
        lines.append(_stored_line(side))
    problems = [f"- {side.name}: {first}" for side in sides for first in side.first_errors[:5]]
    if problems:
        lines += ["", "First unexpected answers:", *problems]
    return "\n".join(lines)


def _memory_table(sides: list[Side], settings: Settings) -> str:
    stages = ["after warm-up", "after the rounds"]
    if settings.submissions:
        stages.append(f"after {settings.submissions:,} more submissions")
    lines = [
        "| worker RSS | " + " | ".join(stages) + " |",
        "| --- |" + " --- |" * len(stages),
    ]
    for side in sides:
        pids = sorted(set().union(*side.memory))
        for number, pid in enumerate(pids, 1):
            cells = [f"{m[pid]:.1f} MB" if pid in m else "–" for m in side.memory]
            lines.append(f"| {side.name} worker {number} (pid {pid}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _stored_line(side: Side) -> str:
    stored, chosen = side.count_stored()
    low, high = side.stored_answers, side.stored_answers + side.in_flight
    records_ok = low <= stored <= high
    choices_ok = chosen == 2 * stored  # every answer chose two days
    verdict = "checked" if records_ok and choices_ok else "MISMATCH"
    return (
        f"- {side.name}: {stored:,} records stored with {chosen:,} chosen days; "
        f"{low:,} answered as stored (plus at most {side.in_flight:,} in flight when a run "
        f"ended): {verdict}."
    )


def run_all() -> str:
    """Measure on SQLite (and PostgreSQL when configured); print each engine's section as
    it is done and return the whole Markdown."""
    settings = Settings.from_environment()
    pg_url = os.environ.get("ATSUME_BENCH_DATABASE_URL", "")
    kinds = ["sqlite"] + (["postgresql"] if pg_url.startswith("postgresql") else [])
    sections = [
        HEADING,
        "",
        f"gunicorn with {settings.workers} sync workers per app; wrk -t{settings.wrk_threads} "
        f"-c{settings.connections} per path; visits by {settings.connections} Python clients; "
        f"{settings.rounds} alternating rounds of {settings.seconds:g} s; medians (range of "
        f"the rounds); the ratio is the median of the rounds' ratios; "
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs.",
    ]
    for kind in kinds:
        section = run_engine(kind, settings, pg_url or None)
        print(section, flush=True)
        sections += ["", section]
    return "\n".join(sections)


def main() -> None:
    """``python -m bench.public``: this benchmark alone, its section saved in results.md."""
    save(run_all())


def save(text: str) -> None:
    """Put *text* in bench/results.md in place of an earlier section of this benchmark."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = old.find(HEADING)
    if start >= 0:
        end = old.find("\n## ", start + len(HEADING))
        old = old[:start] + (old[end + 1 :] if end >= 0 else "")
    RESULTS.write_text(old.rstrip("\n") + ("\n\n" if old.strip() else "") + text + "\n",
                       encoding="utf-8")


if __name__ == "__main__":
    main()
