"""the gazetteer without the ZIP codes it placed at 0, 0, and the locations placed there

Revision ID: d9b4e7a2c61f
Revises: c2f8e5a1b736
Create Date: 2026-12-01 22:30:00.000000

The ZIP package gives 0, 0 for 46 ZIP codes of the jurisdictions the site covers (77352,
Livingston, TX among them), and Livingston's city centre was averaged with that point.
The places table is loaded again from the gazetteer as it now reads (such a ZIP code takes
its city's centre or is left out); a location placed at 0, 0 from its ZIP code moves to
that ZIP code's centre, with its search points, and its kept cards are dropped (searches
render them until a change or `flask render-cards`). The data version moves, so no page
kept from before is served as current. A table not loaded yet stays empty: the seed loads
it. Downgrading leaves the corrected rows.
"""
import math
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9b4e7a2c61f'
down_revision = 'c2f8e5a1b736'
branch_labels = None
depends_on = None

_BANDS_PER_DEGREE = 4

places = sa.table(
    'places',
    sa.column('kind', sa.String),
    sa.column('key', sa.String),
    sa.column('name', sa.String),
    sa.column('state', sa.String),
    sa.column('latitude', sa.Float),
    sa.column('longitude', sa.Float),
)
locations = sa.table(
    'locations',
    sa.column('id', sa.Integer),
    sa.column('clinic_id', sa.Integer),
    sa.column('postal_code', sa.String),
    sa.column('latitude', sa.Float),
    sa.column('longitude', sa.Float),
)
search_points = sa.table(
    'search_points',
    sa.column('location_id', sa.Integer),
    sa.column('band', sa.Integer),
    sa.column('latitude', sa.Float),
    sa.column('longitude', sa.Float),
    sa.column('x', sa.Float),
    sa.column('y', sa.Float),
    sa.column('z', sa.Float),
)
listing_cards = sa.table('listing_cards', sa.column('clinic_id', sa.Integer))
data_version = sa.table(
    'data_version',
    sa.column('id', sa.Integer),
    sa.column('version', sa.Integer),
    sa.column('changed_at', sa.DateTime(timezone=True)),
)


def upgrade():
    from directory.search.places import gazetteer_rows

    bind = op.get_bind()
    rows = list(gazetteer_rows())
    if bind.execute(sa.select(sa.func.count()).select_from(places)).scalar_one():
        bind.execute(places.delete())
        for start in range(0, len(rows), 5000):
            bind.execute(places.insert(), rows[start:start + 5000])

    centres = {
        str(row['key']): (float(str(row['latitude'])), float(str(row['longitude'])))
        for row in rows
        if row['kind'] == 'zip'
    }
    stranded = bind.execute(
        sa.select(locations.c.id, locations.c.clinic_id, locations.c.postal_code).where(
            locations.c.latitude == 0, locations.c.longitude == 0
        )
    ).all()
    moved_clinics = set()
    for location_id, clinic_id, postal_code in stranded:
        centre = centres.get(str(postal_code or '')[:5])
        if centre is None:
            continue
        lat, lng = centre
        bind.execute(
            locations.update().where(locations.c.id == location_id).values(latitude=lat, longitude=lng)
        )
        phi, lam = math.radians(lat), math.radians(lng)
        bind.execute(
            search_points.update()
            .where(search_points.c.location_id == location_id)
            .values(
                band=math.floor(lat * _BANDS_PER_DEGREE),
                latitude=lat,
                longitude=lng,
                x=math.cos(phi) * math.cos(lam),
                y=math.cos(phi) * math.sin(lam),
                z=math.sin(phi),
            )
        )
        moved_clinics.add(clinic_id)
    if moved_clinics:
        bind.execute(listing_cards.delete().where(listing_cards.c.clinic_id.in_(sorted(moved_clinics))))
    bind.execute(
        data_version.update()
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1, changed_at=datetime.now(UTC))
    )


def downgrade():
    pass
