"""The data model; importing this package registers every table."""

from directory.models.base import Base, utcnow
from directory.models.clinic import (
    Clinic,
    ClinicQuote,
    ClinicStatus,
    GeocodePrecision,
    Location,
    Phone,
    PhoneKind,
    Provenance,
    ServiceArea,
    VerifiedBy,
)
from directory.models.place import Place
from directory.models.price import Price, PriceUnit
from directory.models.treatment import Condition, Treatment

__all__ = [
    "Base",
    "Clinic",
    "ClinicQuote",
    "ClinicStatus",
    "Condition",
    "GeocodePrecision",
    "Location",
    "Phone",
    "PhoneKind",
    "Place",
    "Price",
    "PriceUnit",
    "Provenance",
    "ServiceArea",
    "Treatment",
    "VerifiedBy",
    "utcnow",
]
