"""the programs each state's searches list, kept in their order by name

Revision ID: e6b3d8a2f915
Revises: d4f7b2c9e1a3
Create Date: 2026-11-30 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6b3d8a2f915'
down_revision = 'd4f7b2c9e1a3'
branch_labels = None
depends_on = None

_FILL = """
INSERT INTO state_programs (clinic_id, state, sort_name)
SELECT service_areas.clinic_id, service_areas.state, lower(coalesce(clinics.name, ''))
FROM service_areas JOIN clinics ON clinics.id = service_areas.clinic_id
WHERE clinics.status = 'published'
"""


def upgrade():
    op.create_table('state_programs',
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('sort_name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_state_programs_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'state', name=op.f('pk_state_programs'))
    )
    op.create_index('ix_state_programs_order', 'state_programs', ['state', 'sort_name', 'clinic_id'], unique=False)
    op.execute(_FILL)


def downgrade():
    op.drop_index('ix_state_programs_order', table_name='state_programs')
    op.drop_table('state_programs')
