"""The SQL type of decimal answers: NUMERIC(30, 10), read back as the number that was stored.

PostgreSQL keeps NUMERIC exactly. SQLite keeps a NUMERIC value as an 8-byte float
(REAL), which holds any decimal of up to 15 significant digits (what number fields
accept, see ``MAX_SIGNIFICANT_DIGITS``): the float's shortest representation is that
decimal again. SQLAlchemy's own conversion formats the float with the column's scale
instead ("%.10f"), which shows the float's binary noise (999999999.999999 comes back as
999999999.9999990463), so on SQLite the float is converted here.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

#: the most significant digits a decimal answer may have: what every engine (and Excel) holds
MAX_SIGNIFICANT_DIGITS = 15


class ExactDecimal(sa.types.TypeDecorator):
    """NUMERIC(30, 10) that reads SQLite's floats back as the decimals that were written."""

    impl = sa.Numeric(30, 10, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(30, 10, asdecimal=False))
        return dialect.type_descriptor(self.impl)

    def process_result_value(self, value, dialect):
        """The stored number as a Decimal in its shortest plain form (2.5, not 2.5000000000)."""
        if value is None:
            return None
        if isinstance(value, float):
            value = Decimal(repr(value))
        elif not isinstance(value, Decimal):
            value = Decimal(value)
        return Decimal(format(value.normalize(), "f"))
