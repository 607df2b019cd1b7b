"""source documents: pages read by the extractor, which extracted facts quote

Revision ID: 5d1e0a7c9b42
Revises: 975a3f0789b9
Create Date: 2026-11-29 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e0a7c9b42'
down_revision = '975a3f0789b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'source_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['submitted_by_id'], ['users.id'],
            name=op.f('fk_source_documents_submitted_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_documents')),
    )
    with op.batch_alter_table('source_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_documents_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('source_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_documents_sha256'))
    op.drop_table('source_documents')
