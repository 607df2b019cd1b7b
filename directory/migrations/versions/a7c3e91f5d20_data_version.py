"""data version: a counter every change to listings moves, for caches and HTTP validators

Revision ID: a7c3e91f5d20
Revises: a6faa8b67611
Create Date: 2026-11-29 11:58:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91f5d20'
down_revision = 'a6faa8b67611'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1, 'changed_at': datetime.now(UTC)}])


def downgrade():
    op.drop_table('data_version')
