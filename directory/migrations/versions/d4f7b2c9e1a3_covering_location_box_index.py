"""the location box index carries the clinic id, so a search's box is read from the index

Revision ID: d4f7b2c9e1a3
Revises: c8e4a1f7b203
Create Date: 2026-11-29 17:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f7b2c9e1a3'
down_revision = 'c8e4a1f7b203'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(
            'ix_locations_lat_lng_clinic', ['latitude', 'longitude', 'clinic_id'], unique=False
        )
        batch_op.drop_index('ix_locations_lat_lng')


def downgrade():
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index('ix_locations_lat_lng', ['latitude', 'longitude'], unique=False)
        batch_op.drop_index('ix_locations_lat_lng_clinic')
