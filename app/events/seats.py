"""Seat counters: taken with one conditional UPDATE each, in the caller's transaction.

Never count first and insert after: ``UPDATE seat_pool SET taken = taken + n WHERE
taken + n <= seat_limit`` either takes the seats or changes nothing (rowcount 0), and the
row lock it holds until commit makes every other application wait for the outcome.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.events.rules import FORM_POOL, SEATLESS, Rules, choice_pool
from app.extensions import db
from app.models import Form, SeatPool
from app.records.store import tables_for
from app.records.tables import MULTI


def take(form: Form, needs: dict[str, int]) -> str | None:
    """Take the seats of *needs* (pool -> n); None when taken, else the first full pool
    (then nothing is taken). Runs in the caller's write transaction."""
    done: list[tuple[str, int]] = []
    for pool, seats in sorted(needs.items()):  # one order everywhere: no deadlocks
        result = db.session.execute(
            sa.update(SeatPool)
            .where(
                SeatPool.form_id == form.id,
                SeatPool.pool == pool,
                sa.or_(
                    SeatPool.seat_limit.is_(None), SeatPool.taken + seats <= SeatPool.seat_limit
                ),
            )
            .values(taken=SeatPool.taken + seats)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            release(form, dict(done))
            return pool
        done.append((pool, seats))
    return None


def release(form: Form, needs: dict[str, int]) -> None:
    """Give back the seats of *needs* (pool -> n), in the caller's transaction."""
    for pool, seats in sorted(needs.items()):
        db.session.execute(
            sa.update(SeatPool)
            .where(SeatPool.form_id == form.id, SeatPool.pool == pool)
            .values(taken=sa.case((SeatPool.taken > seats, SeatPool.taken - seats), else_=0))
            .execution_options(synchronize_session=False)
        )


def left(form: Form) -> dict[str, int]:
    """pool -> seats left (negative when a limit was lowered below what is taken)."""
    rows = db.session.execute(
        sa.select(SeatPool.pool, SeatPool.seat_limit, SeatPool.taken).where(
            SeatPool.form_id == form.id, SeatPool.seat_limit.is_not(None)
        )
    )
    return {pool: limit - taken for pool, limit, taken in rows}


def taken(form: Form) -> dict[str, int]:
    """pool -> seats taken."""
    rows = db.session.execute(
        sa.select(SeatPool.pool, SeatPool.taken).where(SeatPool.form_id == form.id)
    )
    return dict(rows.all())


def sync(form: Form, rules: Rules) -> None:
    """Make the form's pools match *rules* and recount what its records hold.

    Runs in the publish transaction, after the record table has evolved. A limit lowered
    below what is taken cancels nothing: the pool is just full. Pool rows are locked first
    (PostgreSQL), so applications that are taking seats finish before the recount.
    """
    wanted = rules.pools()
    existing = {
        row.pool: row
        for row in db.session.scalars(
            sa.select(SeatPool).where(SeatPool.form_id == form.id).with_for_update()
        )
    }
    for pool, row in existing.items():
        if pool not in wanted:
            db.session.delete(row)
    for pool, limit in wanted.items():
        row = existing.get(pool)
        if row is None:
            db.session.add(SeatPool(form_id=form.id, pool=pool, seat_limit=limit, taken=0))
        else:
            row.seat_limit = limit
    db.session.flush()
    counts = recount(form, rules)
    for pool in wanted:
        db.session.execute(
            sa.update(SeatPool)
            .where(SeatPool.form_id == form.id, SeatPool.pool == pool)
            .values(taken=counts.get(pool, 0))
            .execution_options(synchronize_session=False)
        )


def recount(form: Form, rules: Rules) -> dict[str, int]:
    """pool -> seats held by the form's records now (waitlisted, cancelled and trashed
    ones hold none)."""
    if not rules.limited or not form.storage:
        return {}
    tables = tables_for(form)
    records = tables.records
    columns = {e["key"]: e for e in tables.catalogue if not e["retired"]}
    # records in the trash gave their seats back when they went there
    holding = sa.and_(records.c.status.not_in(SEATLESS), records.c.deleted_at.is_(None))
    count_entry = columns.get(rules.count_field) if rules.count_field else None
    if count_entry is not None:
        column = records.c[count_entry["column"]]
        seats = sa.case((column.is_(None), 1), else_=column)
    else:
        seats = sa.literal(1)
    counts: dict[str, int] = {}
    if rules.limit is not None:
        total = db.session.scalar(sa.select(sa.func.sum(seats)).where(holding))
        counts[FORM_POOL] = int(total or 0)
    for key, limited in rules.choice_limits.items():
        entry = columns.get(key)
        if entry is None:
            continue
        if entry["kind"] == MULTI:
            values = tables.values
            chosen = values.c.value
            query = (
                sa.select(chosen, sa.func.sum(seats))
                .select_from(values.join(records, values.c.record_id == records.c.id))
                .where(holding, values.c.field == entry["column"])
                .group_by(chosen)
            )
        else:
            chosen = records.c[entry["column"]]
            query = sa.select(chosen, sa.func.sum(seats)).where(holding).group_by(chosen)
        for value, total in db.session.execute(query):
            if value in limited:
                counts[choice_pool(key, value)] = int(total or 0)
    return counts
