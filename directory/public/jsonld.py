"""schema.org MedicalClinic JSON-LD for a clinic page."""

from __future__ import annotations

from typing import Any

from directory.formatting import plain_dollars
from directory.listings.rows import ListingRow, LocationRow
from directory.models import Clinic, GeocodePrecision, Location

# A location as the page reads it: a plain row, or the model's.
AnyLocation = Location | LocationRow


def medical_clinic(clinic: Clinic | ListingRow, url: str) -> dict[str, Any]:
    """The clinic as schema.org MedicalClinic, with only facts the listing holds."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": clinic.display_name,
        "url": url,
    }
    if clinic.website:
        data["sameAs"] = clinic.website
    if clinic.phones:
        data["telephone"] = clinic.phones[0].e164
    loc = clinic.location
    if loc:
        data["address"] = _postal_address(loc)
        if (geo := _coordinates(loc)) is not None:
            data["geo"] = geo
    if len(clinic.locations) > 1:
        # The first location stays the clinic's address; each one, the first included, is
        # also a place where the clinic is.
        data["location"] = [_place(each) for each in clinic.locations]
    if clinic.service_areas:
        data["areaServed"] = [{"@type": "State", "name": a.state} for a in clinic.service_areas]
    if clinic.payment_labels:
        data["paymentAccepted"] = ", ".join(clinic.payment_labels)
    if clinic.language_labels:
        data["availableLanguage"] = clinic.language_labels
    if clinic.treatments:
        data["availableService"] = [
            {"@type": "MedicalTherapy", "name": t.name} for t in clinic.treatments
        ]
    prices = clinic.public_prices
    if prices:
        amounts = [p.amount_cents for p in prices if p.amount_cents > 0]
        if amounts:
            data["priceRange"] = f"${min(amounts) // 100}-${max(amounts) // 100}"
        data["makesOffer"] = [
            {
                "@type": "Offer",
                "name": f"{p.treatment.name} ({p.unit.value})",
                "price": plain_dollars(p.amount_cents),
                "priceCurrency": p.currency,
                "validFrom": p.as_of.isoformat() if p.as_of else None,
                "url": p.source_url,
            }
            for p in prices
        ]
    return data


def _postal_address(loc: AnyLocation) -> dict[str, Any]:
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressRegion": loc.state,
        "addressCountry": "US",
    }
    street = ", ".join(x for x in (loc.address_1, loc.address_2) if x)
    if street:
        address["streetAddress"] = street
    if loc.city:
        address["addressLocality"] = loc.city
    if loc.postal_code:
        address["postalCode"] = loc.postal_code
    return address


def _coordinates(loc: AnyLocation) -> dict[str, Any] | None:
    # A region-level position is not the clinic's whereabouts, so it is not published as geo.
    if loc.geocode_precision is GeocodePrecision.REGION:
        return None
    return {"@type": "GeoCoordinates", "latitude": loc.latitude, "longitude": loc.longitude}


def _place(loc: AnyLocation) -> dict[str, Any]:
    place: dict[str, Any] = {"@type": "Place", "address": _postal_address(loc)}
    if (geo := _coordinates(loc)) is not None:
        place["geo"] = geo
    return place
