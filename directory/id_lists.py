"""A list of ids bound to a statement as one value, so that the statement is compiled once.

`column IN (:ids)` with an expanding parameter is a different statement for each number of
ids, which SQLAlchemy writes out again on every execution: for the twenty listings of a
search page, that took as long as reading their rows. Bound as one value (a JSON array
on SQLite, an integer array on PostgreSQL), the statement is the same whatever the list,
compiled once per database and kept.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY


def among(column: SQLColumnExpression[int], dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """`column` is one of the ids bound as `name` (a list of ints), written for this
    database (its dialect's name)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    each = func.json_each(bindparam(name, type_=JSON))
    return column.in_(select(literal_column("value")).select_from(each))
