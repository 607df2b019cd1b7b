"""Print the query plans of the searches that must stay fast, on the database in DATABASE_URL.

`python tests/bench/plans.py` against a benchmark database shows that the radius
search starts from the (latitude, longitude) index and the state summary from the
state index, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import os

from sqlalchemy import text

from directory import create_app
from directory.extensions import db
from directory.models import Location, Price, ServiceArea
from directory.search import places as geo
from directory.search import query as search


def _explain(sql: str) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + sql)).all()
    return [" ".join(str(c) for c in row[-1:]) for row in rows]


def main() -> None:
    """Compile the real statements with literal values and explain them."""
    app = create_app({"SECRET_KEY": "plans", "DEPLOYMENT": "development"})
    with app.app_context():
        query = search.parse_query({"near": "60614", "radius": "25", "treatment": "iv-infusion"})
        place = geo.resolve_place(db.session, query.near)
        # The page statement a search runs, with this query's values bound into it.
        shape = search._Shape.of(query, near=True, state=False)  # noqa: SLF001
        values = search._values(query, place, 25.0, None)  # noqa: SLF001
        radius = search._page_statement(shape).params(**values, offset=0, limit=20)  # noqa: SLF001
        summary = db.select(Price.amount_cents).where(
            Price.clinic_id.in_(db.select(Location.clinic_id).where(Location.state == "TX"))
            | Price.clinic_id.in_(db.select(ServiceArea.clinic_id).where(ServiceArea.state == "TX"))
        )
        for label, stmt in (("radius search", radius), ("state price summary", summary)):
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            print(f"-- {label} on {db.engine.dialect.name} ({os.environ.get('DATABASE_URL', '')})")
            for line in _explain(sql):
                print("   ", line)
        db.engine.dispose()


if __name__ == "__main__":
    main()
