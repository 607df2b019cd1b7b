"""The fixed taxonomies of treatments, conditions, ways to pay and languages, in display order.

The terms themselves are data, in taxonomy.json next to this module.
"""

from __future__ import annotations

import json
from pathlib import Path

_DATA = json.loads((Path(__file__).parent / "taxonomy.json").read_text(encoding="utf-8"))

# Slug, name and a one-line description of each treatment.
TREATMENTS: list[tuple[str, str, str]] = [(s, n, d) for s, n, d in _DATA["treatments"]]
CONDITIONS: list[tuple[str, str]] = [(slug, name) for slug, name in _DATA["conditions"]]

TREATMENT_SLUGS = frozenset(slug for slug, _, _ in TREATMENTS)
CONDITION_SLUGS = frozenset(slug for slug, _ in CONDITIONS)
TREATMENT_NAMES = {slug: name for slug, name, _ in TREATMENTS}
# The services around ketamine treatment, not ketamine itself: a listing's lowest price
# "for any treatment" (the price sort and ceiling without a treatment) leaves them out,
# and its card lists their prices after the treatments'.
SUPPORT_SERVICES = frozenset({"consultation", "integration"})
KETAMINE_TREATMENTS = TREATMENT_SLUGS - SUPPORT_SERVICES
CONDITION_NAMES = dict(CONDITIONS)

# How a patient can pay (the codes search and the API accept).
PAYMENT_OPTIONS: list[tuple[str, str]] = [(code, name) for code, name in _DATA["payment_options"]]
PAYMENT_CODES = frozenset(code for code, _ in PAYMENT_OPTIONS)
PAYMENT_NAMES = dict(PAYMENT_OPTIONS)
# The ways to pay through an insurer or a public plan the clinic bills: a listing naming
# one accepts insurance (out of network, the patient claims it back themselves).
INSURANCE_PAYMENTS = frozenset(
    {"private-insurance", "medicare", "medicaid", "tricare", "va-community-care"}
)

# Languages staff commonly speak in US clinics: ISO 639-1 code (639-2 where 639-1 has
# none) and English name.
LANGUAGES: list[tuple[str, str]] = [(code, name) for code, name in _DATA["languages"]]
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGES)
LANGUAGE_NAMES = dict(LANGUAGES)
