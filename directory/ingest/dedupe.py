"""Possible duplicates: the same phone, the same street address, or a close name in one ZIP."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

import usaddress
from rapidfuzz import fuzz
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from directory.models import Clinic, ClinicStatus, DuplicateStatus, Location, Phone
from directory.models import PossibleDuplicate as Candidate

NAME_THRESHOLD = 90  # rapidfuzz token_sort_ratio, 0-100, for two names in the same ZIP
# Listings a new row is compared with: the ones patients see and the ones waiting for review.
LIVE = (ClinicStatus.PUBLISHED, ClinicStatus.PENDING)
_ABBREVIATIONS = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "parkway": "pkwy",
    "highway": "hwy",
    "suite": "ste",
    "building": "bldg",
    "floor": "fl",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
_ADDRESS_PARTS = (
    "AddressNumber",
    "StreetNamePreDirectional",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "OccupancyIdentifier",
)
_GENERIC_NAME_WORDS = {"the", "llc", "inc", "pllc", "pc", "and", "of"}


@dataclass
class Match:
    """An existing listing a row resembles, and why."""

    clinic_id: int
    reasons: list[str] = field(default_factory=list)


def zip5(postal_code: str | None) -> str | None:
    """The 5-digit ZIP of a postal code."""
    return postal_code[:5] if postal_code and postal_code[:5].isdigit() else None


def _word(token: str) -> str:
    token = re.sub(r"[^\w]", "", token.lower())
    return _ABBREVIATIONS.get(token, token)


@lru_cache(maxsize=65_536)  # the same stored addresses come back batch after batch
def address_key(
    address_1: str | None, address_2: str | None, postal_code: str | None
) -> str | None:
    """A street address normalised with usaddress, with its ZIP; None without a street."""
    code = zip5(postal_code)
    if not address_1 or not code:
        return None
    text = " ".join(p for p in (address_1, address_2) if p)
    try:
        tagged, _kind = usaddress.tag(text)
        parts = [" ".join(_word(w) for w in tagged.get(k, "").split()) for k in _ADDRESS_PARTS]
    except usaddress.RepeatedLabelError:
        parts = [" ".join(_word(w) for w in text.split())]
    if not any(parts[:3]):
        return None
    return "|".join([*parts, code])


def name_key(name: str | None) -> str:
    """A name reduced to its words for fuzzy comparison."""
    words = re.sub(r"[^\w\s]", " ", (name or "").lower()).split()
    return " ".join(w for w in words if w not in _GENERIC_NAME_WORDS)


def close_names(a: str | None, b: str | None) -> bool:
    """True when two names are near enough to be one clinic written twice."""
    ka, kb = name_key(a), name_key(b)
    return bool(ka and kb) and fuzz.token_sort_ratio(ka, kb) >= NAME_THRESHOLD


class LiveIndex:
    """Phones and addresses of live listings near a batch of rows, loaded in two queries."""

    def __init__(self) -> None:
        self.phones: dict[str, set[int]] = defaultdict(set)
        self.by_zip: dict[str, list[tuple[int, str | None, str | None]]] = defaultdict(list)

    @classmethod
    def load(cls, session: Session, payloads: list[dict[str, Any]]) -> LiveIndex:
        """What the database holds for the phones and ZIP codes of these rows."""
        index = cls()
        numbers = sorted({p["e164"] for row in payloads for p in row.get("phones") or []})
        for chunk in _chunks(numbers):
            for clinic_id, e164 in session.execute(
                select(Phone.clinic_id, Phone.e164)
                .join(Clinic, Clinic.id == Phone.clinic_id)
                .where(Phone.e164.in_(chunk), Clinic.status.in_(LIVE))
            ):
                index.phones[e164].add(clinic_id)
        codes = sorted(
            {c for row in payloads if (c := zip5((row.get("location") or {}).get("postal_code")))}
        )
        for chunk in _chunks(codes):
            for clinic_id, name, address_1, address_2, postal in session.execute(
                select(
                    Clinic.id,
                    Clinic.name,
                    Location.address_1,
                    Location.address_2,
                    Location.postal_code,
                )
                .join(Location, Location.clinic_id == Clinic.id)
                .where(or_(*[_in_zip(c) for c in chunk]), Clinic.status.in_(LIVE))
            ):
                key = address_key(address_1, address_2, postal)
                index.by_zip[zip5(postal) or ""].append((clinic_id, name, key))
        return index

    def matches(self, payload: dict[str, Any], key: str | None) -> list[Match]:
        """Listings the row resembles, most reasons first; key is the row's address_key."""
        found: dict[int, Match] = {}

        def hit(clinic_id: int, reason: str) -> None:
            match = found.setdefault(clinic_id, Match(clinic_id))
            if reason not in match.reasons:
                match.reasons.append(reason)

        for phone in payload.get("phones") or []:
            for clinic_id in self.phones.get(phone["e164"], ()):
                hit(clinic_id, f"same phone {phone['e164']}")
        code = zip5((payload.get("location") or {}).get("postal_code"))
        for clinic_id, name, other_key in self.by_zip.get(code or "", ()):
            if key and other_key == key:
                hit(clinic_id, "same address")
            if close_names(payload.get("name"), name):
                hit(clinic_id, f"similar name in ZIP {code}")
        return sorted(found.values(), key=lambda m: (-len(m.reasons), m.clinic_id))


def row_address_key(payload: dict[str, Any]) -> str | None:
    """The address_key of a row's location."""
    location = payload.get("location") or {}
    return address_key(
        location.get("address_1"), location.get("address_2"), location.get("postal_code")
    )


def find_matches(session: Session, payload: dict[str, Any]) -> list[Match]:
    """Live listings that share a phone, a street address or (in one ZIP) a close name."""
    return LiveIndex.load(session, [payload]).matches(payload, row_address_key(payload))


def _chunks(values: list[str], size: int = 200) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _in_zip(code: str) -> Any:
    """ZIP or ZIP+4 equal to code, as a range the postal-code index can answer."""
    return and_(Location.postal_code >= code, Location.postal_code < code + ".")


@dataclass
class Pair:
    """Two published listings that look like one clinic."""

    first: Clinic
    second: Clinic
    reasons: list[str]


def published_pairs(session: Session, limit: int = 50) -> tuple[list[Pair], int]:
    """Pairs of published listings that may be one clinic (minus decided ones), and how many.

    Fictional example clinics are left out: they share made-up phone numbers by design and
    stand for no real clinic, so no pair with one of them is a duplicate to merge.
    """
    published = (Clinic.status == ClinicStatus.PUBLISHED) & Clinic.is_example.is_(False)
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)

    def add(ids: Iterable[int], reason: str) -> None:
        for a, b in combinations(sorted(set(ids)), 2):
            if reason not in reasons[(a, b)]:
                reasons[(a, b)].append(reason)

    by_phone: dict[str, set[int]] = defaultdict(set)
    for clinic_id, e164 in session.execute(
        select(Phone.clinic_id, Phone.e164)
        .join(Clinic, Clinic.id == Phone.clinic_id)
        .where(published)
    ):
        by_phone[e164].add(clinic_id)
    for e164, ids in by_phone.items():
        if len(ids) > 1:
            add(ids, f"same phone {e164}")
    by_zip: dict[str, list[tuple[int, str | None, str | None]]] = defaultdict(list)
    for clinic_id, name, address_1, address_2, postal in session.execute(
        select(Clinic.id, Clinic.name, Location.address_1, Location.address_2, Location.postal_code)
        .join(Location, Location.clinic_id == Clinic.id)
        .where(published, Location.postal_code.is_not(None))
    ):
        code = zip5(postal)
        if code:
            by_zip[code].append((clinic_id, name, address_key(address_1, address_2, postal)))
    for code, rows in by_zip.items():
        by_address: dict[str, set[int]] = defaultdict(set)
        for clinic_id, _name, key in rows:
            if key:
                by_address[key].add(clinic_id)
        for ids in by_address.values():
            if len(ids) > 1:
                add(ids, "same address")
        for (a, name_a, _), (b, name_b, _) in combinations(rows, 2):
            if a != b and close_names(name_a, name_b):
                add((a, b), f"similar name in ZIP {code}")
    decided = {
        tuple(sorted((a, b or 0)))  # other_clinic_id is set: see the filter
        for a, b in session.execute(
            select(Candidate.clinic_id, Candidate.other_clinic_id).where(
                Candidate.other_clinic_id.is_not(None),
                Candidate.status != DuplicateStatus.PENDING,
            )
        )
    }
    undecided = sorted(k for k in reasons if k not in decided)
    keys = undecided[:limit]
    ids = {i for k in keys for i in k}
    clinics = {c.id: c for c in session.execute(select(Clinic).where(Clinic.id.in_(ids))).scalars()}
    return [Pair(clinics[a], clinics[b], reasons[(a, b)]) for a, b in keys], len(undecided)


def pending_candidates(session: Session, limit: int = 200) -> list[Candidate]:
    """Imported rows waiting for a decision: merge into the listing, or keep apart."""
    return list(
        session.execute(
            select(Candidate)
            .where(Candidate.status == DuplicateStatus.PENDING, Candidate.payload.is_not(None))
            .order_by(Candidate.created_at, Candidate.id)
            .limit(limit)
        ).scalars()
    )


def decided_pair(session: Session, first_id: int, second_id: int) -> bool:
    """True when an admin already merged or kept apart these two listings."""
    a, b = sorted((first_id, second_id))
    return (
        session.execute(
            select(Candidate.id).where(
                or_(
                    and_(Candidate.clinic_id == a, Candidate.other_clinic_id == b),
                    and_(Candidate.clinic_id == b, Candidate.other_clinic_id == a),
                ),
                Candidate.status != DuplicateStatus.PENDING,
            )
        ).first()
        is not None
    )
