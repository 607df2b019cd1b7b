"""The data model; importing this package registers every table."""

from directory.models.audit import AuditEvent, OutboxMessage
from directory.models.base import Base, utcnow
from directory.models.charge import (
    ChargeKind,
    ClinicIdentifier,
    HospitalCharge,
    IdentifierScheme,
    PriceFileImport,
)
from directory.models.clinic import (
    Clinic,
    ClinicQuote,
    ClinicStatus,
    GeocodePrecision,
    ListingKind,
    Location,
    Phone,
    PhoneKind,
    Provenance,
    ServiceArea,
    VerifiedBy,
)
from directory.models.data_version import DataVersion
from directory.models.document import SourceDocument
from directory.models.hsds_service_at_location_id import HsdsServiceAtLocationId
from directory.models.hsds_service_id import HsdsServiceId
from directory.models.ingest import DuplicateStatus, ExternalId, ImportUpload, PossibleDuplicate
from directory.models.listing_card import ListingCard
from directory.models.lowest_price import LowestPrice
from directory.models.place import Place
from directory.models.price import Price, PriceUnit
from directory.models.revision import (
    REPORT_LABELS,
    Claim,
    Decision,
    PatientReport,
    ReportCategory,
    Revision,
    RevisionKind,
)
from directory.models.search_point import SearchPoint
from directory.models.state_program import StateProgram
from directory.models.treatment import Condition, Treatment
from directory.models.user import (
    PendingRegistration,
    Role,
    User,
    clinic_owners,
    new_session_token,
)

__all__ = [
    "REPORT_LABELS",
    "AuditEvent",
    "Claim",
    "Decision",
    "OutboxMessage",
    "PatientReport",
    "PendingRegistration",
    "ReportCategory",
    "Revision",
    "RevisionKind",
    "Role",
    "User",
    "clinic_owners",
    "new_session_token",
    "Base",
    "ChargeKind",
    "ClinicIdentifier",
    "HospitalCharge",
    "HsdsServiceAtLocationId",
    "HsdsServiceId",
    "IdentifierScheme",
    "ListingKind",
    "PriceFileImport",
    "Clinic",
    "ClinicQuote",
    "ClinicStatus",
    "Condition",
    "DuplicateStatus",
    "ExternalId",
    "ImportUpload",
    "PossibleDuplicate",
    "DataVersion",
    "GeocodePrecision",
    "Location",
    "ListingCard",
    "LowestPrice",
    "Phone",
    "PhoneKind",
    "Place",
    "Price",
    "PriceUnit",
    "Provenance",
    "SearchPoint",
    "ServiceArea",
    "SourceDocument",
    "StateProgram",
    "Treatment",
    "VerifiedBy",
    "utcnow",
]
