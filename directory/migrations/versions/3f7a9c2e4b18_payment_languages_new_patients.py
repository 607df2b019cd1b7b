"""payment options, languages, new patients and REMS certification on clinics

Revision ID: 3f7a9c2e4b18
Revises: a7c3e91f5d20
Create Date: 2026-11-29 12:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f7a9c2e4b18'
down_revision = 'a7c3e91f5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('payment_options', sa.String(length=400), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('languages', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('accepting_new_patients', sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column('first_appointment_wait', sa.String(length=120), nullable=True)
        )
        batch_op.add_column(sa.Column('rems_certified', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('access_as_of', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('access_as_of')
        batch_op.drop_column('rems_certified')
        batch_op.drop_column('first_appointment_wait')
        batch_op.drop_column('accepting_new_patients')
        batch_op.drop_column('languages')
        batch_op.drop_column('payment_options')
