"""search points keep their place on the unit sphere and whether they are their
listing's only point

Revision ID: c2f8e5a1b736
Revises: b7e2c4a9d051
Create Date: 2026-11-30 19:10:00.000000

The table is derived from the listings: it is built again, as its first revision built it.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2f8e5a1b736'
down_revision = 'b7e2c4a9d051'
branch_labels = None
depends_on = None

_LOWEST = """
       (SELECT min(prices.amount_cents) FROM prices
        WHERE prices.clinic_id = locations.clinic_id AND prices.unit = 'session'
          AND prices.source_url IS NOT NULL AND prices.source_url != ''
          AND prices.as_of IS NOT NULL)
"""

_FILL = f"""
INSERT INTO search_points
    (location_id, clinic_id, band, latitude, longitude, state, sort_name, lowest_cents,
     single, x, y, z)
SELECT locations.id, locations.clinic_id, CAST(floor(locations.latitude * 4) AS INTEGER),
       locations.latitude, locations.longitude, locations.state,
       lower(coalesce(clinics.name, '')),
       {_LOWEST},
       NOT EXISTS (SELECT 1 FROM locations AS others
                   WHERE others.clinic_id = locations.clinic_id AND others.id != locations.id),
       cos(radians(locations.latitude)) * cos(radians(locations.longitude)),
       cos(radians(locations.latitude)) * sin(radians(locations.longitude)),
       sin(radians(locations.latitude))
FROM locations JOIN clinics ON clinics.id = locations.clinic_id
WHERE clinics.status = 'published'
"""

_FILL_BEFORE = f"""
INSERT INTO search_points
    (location_id, clinic_id, band, latitude, longitude, state, sort_name, lowest_cents)
SELECT locations.id, locations.clinic_id, CAST(floor(locations.latitude * 4) AS INTEGER),
       locations.latitude, locations.longitude, locations.state,
       lower(coalesce(clinics.name, '')),
       {_LOWEST}
FROM locations JOIN clinics ON clinics.id = locations.clinic_id
WHERE clinics.status = 'published'
"""


def _drop():
    op.drop_index('ix_search_points_state', table_name='search_points')
    op.drop_index('ix_search_points_clinic_id', table_name='search_points')
    op.drop_index('ix_search_points_box', table_name='search_points')
    op.drop_table('search_points')


def _create(box, extra):
    op.create_table('search_points',
    sa.Column('location_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('sort_name', sa.Text(), nullable=False),
    sa.Column('lowest_cents', sa.Integer(), nullable=True),
    *extra,
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_search_points'))
    )
    op.create_index('ix_search_points_box', 'search_points', box, unique=False)
    op.create_index('ix_search_points_clinic_id', 'search_points', ['clinic_id'], unique=False)
    op.create_index('ix_search_points_state', 'search_points', ['state', 'clinic_id'], unique=False)


_BOX = ['band', 'longitude', 'latitude', 'clinic_id', 'sort_name', 'lowest_cents']


def upgrade():
    _drop()
    _create(
        [*_BOX, 'single', 'x', 'y', 'z'],
        [
            sa.Column('single', sa.Boolean(), nullable=False),
            sa.Column('x', sa.Float(), nullable=False),
            sa.Column('y', sa.Float(), nullable=False),
            sa.Column('z', sa.Float(), nullable=False),
        ],
    )
    op.execute(_FILL)


def downgrade():
    _drop()
    _create(_BOX, [])
    op.execute(_FILL_BEFORE)
