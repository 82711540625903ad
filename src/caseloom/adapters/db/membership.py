"""`column IN (values)` that costs the same for one value or four hundred.

On PostgreSQL the values travel as one array parameter (`column = ANY(%s)`): the statement's
text is the same whatever their number, so psycopg prepares it once, and SQLAlchemy renders no
parameter per value. An expanding `IN` made a new statement text for every count, which both
cost the SLA worker a twentieth of its time and kept psycopg's prepared statements churning.
Elsewhere (SQLite) it is the plain `IN`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, any_, bindparam


def among(
    conn: Connection, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
