"""stored HSDS service-at-location ids: one per service a listing offers at each location

Revision ID: e2a7c5d9f318
Revises: a7c3e9d1f582
Create Date: 2026-12-03 15:40:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2a7c5d9f318'
down_revision = 'a7c3e9d1f582'
branch_labels = None
depends_on = None

# The namespace of directory/listings/hsds_ids.py, frozen here as this migration saw it.
_NAMESPACE = uuid.UUID("6f1f7f0e-8f4e-4d0b-9a55-2b1c8a7e6d10")
# Each stored service with its listing's slug; a listing's locations are counted by id.
_SERVICES = """
SELECT hsds_service_ids.id, hsds_service_ids.clinic_id, hsds_service_ids.treatment_id, clinics.slug
FROM hsds_service_ids JOIN clinics ON clinics.id = hsds_service_ids.clinic_id
"""
_LOCATIONS = "SELECT clinic_id, count(*) FROM locations GROUP BY clinic_id"


def _make_id(*parts):
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def upgrade():
    table = op.create_table('hsds_service_at_location_ids',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('treatment_id', sa.Integer(), nullable=False),
    sa.Column('location_index', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_hsds_service_at_location_ids_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['treatment_id'], ['treatments.id'], name=op.f('fk_hsds_service_at_location_ids_treatment_id_treatments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hsds_service_at_location_ids'))
    )
    op.create_index(op.f('ix_hsds_service_at_location_ids_clinic_id'), 'hsds_service_at_location_ids', ['clinic_id'], unique=False)
    bind = op.get_bind()
    counts: dict[object, int] = dict(bind.execute(sa.text(_LOCATIONS)).all())
    rows = []
    for service, cid, tid, slug in bind.execute(sa.text(_SERVICES)):
        for index in range(counts.get(cid, 0)):
            location = _make_id("location", slug, index)
            rows.append({
                'id': _make_id("service_at_location", service, location),
                'clinic_id': cid,
                'treatment_id': tid,
                'location_index': index,
            })
    for start in range(0, len(rows), 5000):
        op.bulk_insert(table, rows[start:start + 5000])


def downgrade():
    op.drop_index(op.f('ix_hsds_service_at_location_ids_clinic_id'), table_name='hsds_service_at_location_ids')
    op.drop_table('hsds_service_at_location_ids')
