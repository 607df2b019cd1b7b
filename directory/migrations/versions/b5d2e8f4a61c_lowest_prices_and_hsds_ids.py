"""lowest per-session price per clinic and treatment; stored HSDS organization ids

Revision ID: b5d2e8f4a61c
Revises: 3f7a9c2e4b18
Create Date: 2026-11-29 14:45:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d2e8f4a61c'
down_revision = '3f7a9c2e4b18'
branch_labels = None
depends_on = None

# The namespace of directory/listings/hsds_ids.py, frozen here as this migration saw it.
_NAMESPACE = uuid.UUID("6f1f7f0e-8f4e-4d0b-9a55-2b1c8a7e6d10")
_PUBLISHABLE = (
    "unit = 'session' AND source_url IS NOT NULL AND source_url != '' AND as_of IS NOT NULL"
)


def upgrade():
    op.create_table('lowest_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('treatment_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_lowest_prices_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['treatment_id'], ['treatments.id'], name=op.f('fk_lowest_prices_treatment_id_treatments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lowest_prices'))
    )
    op.create_index('ix_lowest_prices_clinic_treatment', 'lowest_prices', ['clinic_id', 'treatment_id'], unique=False)
    op.create_index('ix_lowest_prices_treatment_amount', 'lowest_prices', ['treatment_id', 'amount_cents'], unique=False)
    op.execute(
        "INSERT INTO lowest_prices (clinic_id, treatment_id, amount_cents) "
        f"SELECT clinic_id, treatment_id, min(amount_cents) FROM prices WHERE {_PUBLISHABLE} "
        "GROUP BY clinic_id, treatment_id"
    )
    op.execute(
        "INSERT INTO lowest_prices (clinic_id, treatment_id, amount_cents) "
        f"SELECT clinic_id, NULL, min(amount_cents) FROM prices WHERE {_PUBLISHABLE} "
        "GROUP BY clinic_id"
    )

    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hsds_id', sa.String(length=36), nullable=True))
    bind = op.get_bind()
    clinics = sa.table('clinics', sa.column('id', sa.Integer), sa.column('slug', sa.String), sa.column('hsds_id', sa.String))
    rows = [
        {'cid': cid, 'hid': str(uuid.uuid5(_NAMESPACE, f"organization/{slug}"))}
        for cid, slug in bind.execute(sa.select(clinics.c.id, clinics.c.slug))
    ]
    stmt = clinics.update().where(clinics.c.id == sa.bindparam('cid')).values(hsds_id=sa.bindparam('hid'))
    for start in range(0, len(rows), 5000):
        bind.execute(stmt, rows[start:start + 5000])
    op.create_index(op.f('ix_clinics_hsds_id'), 'clinics', ['hsds_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_clinics_hsds_id'), table_name='clinics')
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.drop_column('hsds_id')
    op.drop_index('ix_lowest_prices_treatment_amount', table_name='lowest_prices')
    op.drop_index('ix_lowest_prices_clinic_treatment', table_name='lowest_prices')
    op.drop_table('lowest_prices')
