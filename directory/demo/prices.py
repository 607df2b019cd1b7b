"""Example clinics' prices: the treatments a fictional clinic offers and what it charges,
at levels public US cost guides report (see DESIGN.md)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from directory.listings.schema import PriceData
from directory.models import PriceUnit

# Treatments an example clinic may offer beside its main ones: the treatment, the share of
# clinics offering it, its lowest and highest price in dollars, its unit, whether the price
# follows the state's price level, and what the price includes.
Extra = tuple[str, float, float, float, PriceUnit, bool, str]
REMOTE_EXTRAS: tuple[Extra, ...] = (
    ("kap", 0.5, 250, 450, PriceUnit.SESSION, False, "Video session with a licensed therapist"),
    ("integration", 0.5, 90, 180, PriceUnit.SESSION, False, "Video integration session"),
)
IN_PERSON_EXTRAS: tuple[Extra, ...] = (
    ("im-ketamine", 0.15, 250, 450, PriceUnit.SESSION, True, ""),
    (
        "oral-ketamine",
        0.1,
        150,
        350,
        PriceUnit.MONTH,
        False,
        "Monthly prescriber visit and medication",
    ),
    ("kap", 0.25, 300, 600, PriceUnit.SESSION, True, "Therapy session during a ketamine treatment"),
    ("integration", 0.3, 100, 200, PriceUnit.SESSION, True, "Integration therapy session"),
)


# An infusion priced for chronic pain: a clinic that offers it treats chronic pain.
PAIN_PROTOCOL = "Chronic pain protocol infusion, up to 4 hours"


def plan_prices(
    rng: random.Random,
    listing: dict[str, Any],
    remote: bool,
    factor: float,
    source: str,
    today: date,
) -> tuple[list[str], list[PriceData]]:
    """The treatments offered and their prices; sets the listing's free consultation and
    insurance flags to match."""
    offered: list[str] = ["consultation"]
    prices: list[PriceData] = []

    def price(
        treatment: str,
        dollars: float,
        unit: PriceUnit,
        included: str = "",
        sessions: int | None = None,
        insurance: bool = False,
    ) -> None:
        step = 25 if dollars >= 100 else 5
        as_of = today - timedelta(days=rng.randint(0, 540))
        prices.append(
            PriceData(
                treatment=treatment,
                amount_cents=int(round(dollars / step) * step) * 100,
                unit=unit,
                source_url=source,
                as_of=as_of.isoformat(),
                included=included,
                sessions_included=sessions,
                insurance_accepted=insurance,
            )
        )

    def extras(table: tuple[Extra, ...]) -> None:
        for treatment, share, low, high, unit, scaled, included in table:
            if rng.random() < share:
                offered.append(treatment)
                price(treatment, rng.uniform(low, high) * (factor if scaled else 1), unit, included)

    if rng.random() < 0.25:
        listing["free_consultation"] = True
        price("consultation", 0, PriceUnit.CONSULTATION, "Free initial consultation")
    else:
        high, included = (
            (300, "Credited toward the first treatment")
            if rng.random() < 0.1
            else (350, "Psychiatric evaluation and medical screening")
        )
        price("consultation", rng.uniform(150, high) * factor, PriceUnit.CONSULTATION, included)

    if remote:
        offered += ["at-home"]
        price(
            "at-home",
            rng.uniform(200, 450),
            PriceUnit.MONTH,
            included="Prescriber visits, medication and guided sessions for one month",
        )
        extras(REMOTE_EXTRAS)
    else:
        if rng.random() < 0.9:
            offered.append("iv-infusion")
            session_price = rng.uniform(400, 800) * factor
            price(
                "iv-infusion",
                session_price,
                PriceUnit.SESSION,
                included="One infusion of about 40-60 minutes with monitoring",
            )
            if rng.random() < 0.7:
                n = rng.choice((6, 6, 6, 6, 4, 8))
                price(
                    "iv-infusion",
                    session_price * n * rng.uniform(0.85, 0.95),
                    PriceUnit.SERIES,
                    sessions=n,
                    included=f"Initial series of {n} infusions",
                )
            if rng.random() < 0.5:
                price(
                    "iv-infusion",
                    rng.uniform(600, 1400) * factor,
                    PriceUnit.SESSION,
                    included=PAIN_PROTOCOL,
                )
        if rng.random() < 0.35:
            offered.append("esketamine")
            listing["accepts_insurance"] = rng.random() < 0.75
            price(
                "esketamine",
                rng.uniform(600, 900) * factor,
                PriceUnit.SESSION,
                included="In-office Spravato session with 2 hours of observation",
                insurance=listing["accepts_insurance"],
            )
        extras(IN_PERSON_EXTRAS)

    return offered, prices
