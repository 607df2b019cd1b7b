"""stored HSDS service ids: one per treatment a listing lists or prices

Revision ID: c8e4a1f7b203
Revises: b5d2e8f4a61c
Create Date: 2026-11-29 15:05:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4a1f7b203'
down_revision = 'b5d2e8f4a61c'
branch_labels = None
depends_on = None

# The namespace of directory/listings/hsds_ids.py, frozen here as this migration saw it.
_NAMESPACE = uuid.UUID("6f1f7f0e-8f4e-4d0b-9a55-2b1c8a7e6d10")
_OFFERED = """
SELECT pairs.clinic_id, pairs.treatment_id, clinics.slug, treatments.slug
FROM (
    SELECT clinic_id, treatment_id FROM clinic_treatments
    UNION
    SELECT clinic_id, treatment_id FROM prices
    WHERE source_url IS NOT NULL AND source_url != '' AND as_of IS NOT NULL
) AS pairs
JOIN clinics ON clinics.id = pairs.clinic_id
JOIN treatments ON treatments.id = pairs.treatment_id
"""


def upgrade():
    table = op.create_table('hsds_service_ids',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('treatment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_hsds_service_ids_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['treatment_id'], ['treatments.id'], name=op.f('fk_hsds_service_ids_treatment_id_treatments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hsds_service_ids'))
    )
    op.create_index(op.f('ix_hsds_service_ids_clinic_id'), 'hsds_service_ids', ['clinic_id'], unique=False)
    bind = op.get_bind()
    rows = [
        {'id': str(uuid.uuid5(_NAMESPACE, f"service/{slug}/{tslug}")), 'clinic_id': cid, 'treatment_id': tid}
        for cid, tid, slug, tslug in bind.execute(sa.text(_OFFERED))
    ]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(table, rows[start:start + 5000])


def downgrade():
    op.drop_index(op.f('ix_hsds_service_ids_clinic_id'), table_name='hsds_service_ids')
    op.drop_table('hsds_service_ids')
