"""where each published listing can be found, narrow and banded for nearest-first searches

Revision ID: f1a9c3d7b284
Revises: e6b3d8a2f915
Create Date: 2026-11-30 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a9c3d7b284'
down_revision = 'e6b3d8a2f915'
branch_labels = None
depends_on = None

_FILL = """
INSERT INTO search_points
    (location_id, clinic_id, band, latitude, longitude, state, sort_name, lowest_cents)
SELECT locations.id, locations.clinic_id, CAST(floor(locations.latitude * 4) AS INTEGER),
       locations.latitude, locations.longitude, locations.state,
       lower(coalesce(clinics.name, '')),
       (SELECT min(prices.amount_cents) FROM prices
        WHERE prices.clinic_id = locations.clinic_id AND prices.unit = 'session'
          AND prices.source_url IS NOT NULL AND prices.source_url != ''
          AND prices.as_of IS NOT NULL)
FROM locations JOIN clinics ON clinics.id = locations.clinic_id
WHERE clinics.status = 'published'
"""


def upgrade():
    op.create_table('search_points',
    sa.Column('location_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('sort_name', sa.Text(), nullable=False),
    sa.Column('lowest_cents', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_search_points'))
    )
    op.create_index('ix_search_points_box', 'search_points', ['band', 'longitude', 'latitude', 'clinic_id', 'sort_name', 'lowest_cents'], unique=False)
    op.create_index('ix_search_points_clinic_id', 'search_points', ['clinic_id'], unique=False)
    op.create_index('ix_search_points_state', 'search_points', ['state', 'clinic_id'], unique=False)
    op.execute(_FILL)


def downgrade():
    op.drop_index('ix_search_points_state', table_name='search_points')
    op.drop_index('ix_search_points_clinic_id', table_name='search_points')
    op.drop_index('ix_search_points_box', table_name='search_points')
    op.drop_table('search_points')
