"""places are indexed by kind and name, so a suggestion counts a city's ZIP codes from the index

Revision ID: f3b8d1e6a274
Revises: e2a7c5d9f318
Create Date: 2026-12-03 15:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3b8d1e6a274'
down_revision = 'e2a7c5d9f318'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_places_kind_name_state', 'places', ['kind', 'name', 'state'], unique=False)
    # Without statistics of the new index, SQLite's planner took it for the prefix search of
    # city names too, and sorted what it read.
    op.execute("ANALYZE places")


def downgrade():
    op.drop_index('ix_places_kind_name_state', table_name='places')
