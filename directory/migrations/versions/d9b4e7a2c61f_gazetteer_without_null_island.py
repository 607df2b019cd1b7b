"""the gazetteer without the ZIP codes it placed at 0, 0, and the locations placed there

Revision ID: d9b4e7a2c61f
Revises: c2f8e5a1b736
Create Date: 2026-12-01 22:30:00.000000

The ZIP package gives 0, 0 for 46 ZIP codes of the jurisdictions the site covers (77352,
Livingston, TX among them), and Livingston's city centre was averaged with that point.
The places table is loaded again from the gazetteer as it now reads (such a ZIP code takes
its city's centre or is left out); a location at 0, 0 moves to its ZIP code's centre, or
else its city's, and one on a centre that moved (Livingston's) moves with it, each with
its search points. Their kept cards are dropped (searches render them until a change or
`flask render-cards`) and their clinics' modification time moves, for HSDS readers. The
data version moves, so no page kept from before is served as current. A table not loaded
yet stays empty: the seed loads it. Downgrading leaves the corrected rows.
"""
import logging
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

log = logging.getLogger('alembic.runtime.migration')

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
    sa.column('city', sa.String),
    sa.column('state', sa.String),
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
clinics = sa.table(
    'clinics', sa.column('id', sa.Integer), sa.column('updated_at', sa.DateTime(timezone=True))
)
data_version = sa.table(
    'data_version',
    sa.column('id', sa.Integer),
    sa.column('version', sa.Integer),
    sa.column('changed_at', sa.DateTime(timezone=True)),
)


def upgrade():
    from directory.search.places import gazetteer_rows, normalise_city

    bind = op.get_bind()
    rows = list(gazetteer_rows())
    before = {
        (kind, key): (lat, lng)
        for kind, key, lat, lng in bind.execute(
            sa.select(places.c.kind, places.c.key, places.c.latitude, places.c.longitude)
        )
    }
    if before:
        bind.execute(places.delete())
        for start in range(0, len(rows), 5000):
            bind.execute(places.insert(), rows[start:start + 5000])
    after = {
        (str(row['kind']), str(row['key'])): (float(str(row['latitude'])), float(str(row['longitude'])))
        for row in rows
    }
    # A location on a place's former centre (other than 0, 0, which many shared) was
    # placed from that place, and moves with it: Livingston, TX's city centre.
    moves = {
        point: after[key]
        for key, point in before.items()
        if point != (0, 0) and key in after and after[key] != point
    }
    on_old_points = [sa.and_(locations.c.latitude == 0, locations.c.longitude == 0)] + [
        sa.and_(locations.c.latitude == lat, locations.c.longitude == lng) for lat, lng in moves
    ]
    found = bind.execute(
        sa.select(
            locations.c.id,
            locations.c.clinic_id,
            locations.c.postal_code,
            locations.c.city,
            locations.c.state,
            locations.c.latitude,
            locations.c.longitude,
        ).where(sa.or_(*on_old_points))
    ).all()
    moved_clinics: set[int] = set()
    for location_id, clinic_id, postal_code, city, state, lat, lng in found:
        if (lat, lng) == (0, 0):
            city_key = f"{normalise_city(str(city or ''))}, {str(state or '').lower()}"
            centre = after.get(('zip', str(postal_code or '')[:5])) or after.get(('city', city_key))
        else:
            centre = moves.get((lat, lng))
        if centre is None:
            log.warning('location %s stays at 0, 0: neither its ZIP code nor its city is known', location_id)
            continue
        _move(bind, location_id, *centre)
        moved_clinics.add(int(str(clinic_id)))
    now = datetime.now(UTC)
    if moved_clinics:
        ids = sorted(moved_clinics)
        bind.execute(listing_cards.delete().where(listing_cards.c.clinic_id.in_(ids)))
        # Their coordinates changed: HSDS readers syncing by modification date fetch them again.
        bind.execute(clinics.update().where(clinics.c.id.in_(ids)).values(updated_at=now))
    bind.execute(
        data_version.update()
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1, changed_at=now)
    )


def _move(bind, location_id, lat, lng):
    """A location and its search point, moved to lat, lng."""
    bind.execute(locations.update().where(locations.c.id == location_id).values(latitude=lat, longitude=lng))
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


def downgrade():
    pass
