"""Example clinics' access facts: how to pay, languages, new patients."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from directory.listings.taxonomy import PAYMENT_OPTIONS


def access_facts(
    seed: int, index: int, offered: list[str], today: date
) -> tuple[dict[str, Any], date]:
    """How to pay, languages and new-patient facts as listing fields, and the date they were
    stated, from their own generator so the rest of an example clinic stays as it was."""
    rng = random.Random(f"{seed}-{index}-access")
    payment = ["self-pay"]
    for code, share in (
        ("out-of-network", 0.4),
        ("hsa-fsa", 0.6),
        ("financing", 0.4),
        ("sliding-scale", 0.1),
        ("va-community-care", 0.08),
        ("tricare", 0.06),
    ):
        if rng.random() < share:
            payment.append(code)
    if "esketamine" in offered:
        payment += [c for c in ("private-insurance", "medicare", "medicaid") if rng.random() < 0.6]
    languages = ["en"]
    for code, share in (("es", 0.35), ("zh", 0.04), ("vi", 0.03), ("fr", 0.03), ("ru", 0.02)):
        if rng.random() < share:
            languages.append(code)
    accepting = rng.choice((True, True, True, True, False, None))
    wait = rng.choice(("", "About a week", "Two to three weeks", "Same week"))
    facts = {
        "payment_options": [c for c, _ in PAYMENT_OPTIONS if c in payment],
        "languages": languages,
        "accepting_new_patients": accepting,
        "first_appointment_wait": wait if accepting else "",
        "rems_certified": ("esketamine" in offered) or None,
    }
    return facts, today - timedelta(days=rng.randint(0, 400))
