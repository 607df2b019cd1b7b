"""schema.org MedicalClinic JSON-LD for a clinic page."""

from __future__ import annotations

from typing import Any

from directory.formatting import plain_dollars
from directory.listings.rows import ListingRow
from directory.models import Clinic, GeocodePrecision


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
        data["address"] = address
        # A region-level position is not the clinic's whereabouts, so it is not published as geo.
        if loc.geocode_precision is not GeocodePrecision.REGION:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": loc.latitude,
                "longitude": loc.longitude,
            }
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
