"""a listing's lowest per-session price for any treatment: ketamine itself

Revision ID: a7c3e9d1f582
Revises: d9b4e7a2c61f
Create Date: 2026-12-03 10:20:00.000000

The lowest per-session price "for any treatment", which the price sort, the price ceiling
without a treatment and the API's `lowest_session_price_cents` read, was taken from every
per-session price, a consultation's or an integration therapy session's among them, so a
$100 integration session put a clinic whose infusions cost $500 under a $150 ceiling. It
is now taken from the ketamine treatments only. The stored rows (`lowest_prices` without
a treatment, `search_points.lowest_cents`) are computed again as the code now computes
them, and the data version moves, so no search kept from before is served as current.
Downgrading computes them as before.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f582'
down_revision = 'd9b4e7a2c61f'
branch_labels = None
depends_on = None

# As directory/prices/lowest.py and models/price.py read them when this was written.
_PUBLISHABLE = (
    "prices.unit = 'session' AND prices.source_url IS NOT NULL AND prices.source_url != '' "
    "AND prices.as_of IS NOT NULL"
)
_KETAMINE = (
    "prices.treatment_id IN "
    "(SELECT id FROM treatments WHERE slug NOT IN ('consultation', 'integration'))"
)

data_version = sa.table(
    'data_version',
    sa.column('id', sa.Integer),
    sa.column('version', sa.Integer),
    sa.column('changed_at', sa.DateTime(timezone=True)),
)


def _recompute(counted: str) -> None:
    op.execute("DELETE FROM lowest_prices WHERE treatment_id IS NULL")
    op.execute(
        "INSERT INTO lowest_prices (clinic_id, treatment_id, amount_cents) "
        f"SELECT clinic_id, NULL, min(amount_cents) FROM prices WHERE {counted} "
        "GROUP BY clinic_id"
    )
    op.execute(
        "UPDATE search_points SET lowest_cents = (SELECT min(amount_cents) FROM prices "
        f"WHERE prices.clinic_id = search_points.clinic_id AND {counted})"
    )
    op.get_bind().execute(
        data_version.update()
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1, changed_at=datetime.now(UTC))
    )


def upgrade():
    _recompute(f"{_PUBLISHABLE} AND {_KETAMINE}")


def downgrade():
    _recompute(_PUBLISHABLE)
