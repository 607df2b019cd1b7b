"""the API's search results kept with the result cards

Revision ID: b7e2c4a9d051
Revises: a3d91c5e7f62
Create Date: 2026-11-30 19:00:00.000000

Cards kept before this revision have no summary: the code that fills it renders with
another digest, so `flask render-cards` renders them all again, summaries included.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4a9d051'
down_revision = 'a3d91c5e7f62'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listing_cards') as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('listing_cards') as batch_op:
        batch_op.drop_column('summary')
