"""result cards rendered when their listing changes

Revision ID: a3d91c5e7f62
Revises: f1a9c3d7b284
Create Date: 2026-11-30 16:30:00.000000

The table starts empty: a card is rendered by the site's templates, so `flask
rebuild-derived` fills it, and every change to a listing renders that listing's cards.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3d91c5e7f62'
down_revision = 'f1a9c3d7b284'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('listing_cards',
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('location_index', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('geocode_precision', sa.Enum('address', 'postal_code', 'city', 'region', name='geocodeprecision', native_enum=False, length=20), nullable=True),
    sa.Column('renderer', sa.String(length=64), nullable=False),
    sa.Column('good_through', sa.Date(), nullable=True),
    sa.Column('top', sa.Text(), nullable=False),
    sa.Column('rest', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_listing_cards_clinic_id_clinics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'location_index', 'locale', name=op.f('pk_listing_cards'))
    )


def downgrade():
    op.drop_table('listing_cards')
