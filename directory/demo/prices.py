"""Example clinics' prices: the treatments a fictional clinic offers and what it charges,
at levels public US cost guides report (see DESIGN.md)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from directory.models import PriceUnit


def plan_prices(
    rng: random.Random,
    clinic: dict[str, Any],
    remote: bool,
    factor: float,
    source: str,
    today: date,
) -> tuple[list[str], list[dict[str, Any]]]:
    """The treatments offered and their prices, as rows; sets the clinic's free
    consultation and insurance flags to match."""
    offered: list[str] = ["consultation"]
    prices: list[dict[str, Any]] = []

    def price(treatment: str, dollars: float, unit: PriceUnit, **extra: Any) -> None:
        step = 25 if dollars >= 100 else 5
        cents = int(round(dollars / step) * step) * 100
        as_of = today - timedelta(days=rng.randint(0, 540))
        prices.append(
            {
                "treatment": treatment,
                "amount_cents": cents,
                "unit": unit,
                "source_url": source,
                "as_of": as_of,
                "valid_from": as_of,
                "currency": "USD",
                "included": extra.get("included", ""),
                "sessions_included": extra.get("sessions"),
                "insurance_accepted": extra.get("insurance", False),
            }
        )

    if rng.random() < 0.25:
        clinic["free_consultation"] = True
        price("consultation", 0, PriceUnit.CONSULTATION, included="Free initial consultation")
    elif rng.random() < 0.1:
        price(
            "consultation",
            rng.uniform(150, 300) * factor,
            PriceUnit.CONSULTATION,
            included="Credited toward the first treatment",
        )
    else:
        price(
            "consultation",
            rng.uniform(150, 350) * factor,
            PriceUnit.CONSULTATION,
            included="Psychiatric evaluation and medical screening",
        )

    if remote:
        offered += ["at-home"]
        price(
            "at-home",
            rng.uniform(200, 450),
            PriceUnit.MONTH,
            included="Prescriber visits, medication and guided sessions for one month",
        )
        if rng.random() < 0.5:
            offered.append("kap")
            price(
                "kap",
                rng.uniform(250, 450),
                PriceUnit.SESSION,
                included="Video session with a licensed therapist",
            )
        if rng.random() < 0.5:
            offered.append("integration")
            price(
                "integration",
                rng.uniform(90, 180),
                PriceUnit.SESSION,
                included="Video integration session",
            )
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
                    included="Chronic pain protocol infusion, up to 4 hours",
                )
        if rng.random() < 0.35:
            offered.append("esketamine")
            clinic["accepts_insurance"] = rng.random() < 0.75
            price(
                "esketamine",
                rng.uniform(600, 900) * factor,
                PriceUnit.SESSION,
                included="In-office Spravato session with 2 hours of observation",
                insurance=clinic["accepts_insurance"],
            )
        if rng.random() < 0.15:
            offered.append("im-ketamine")
            price("im-ketamine", rng.uniform(250, 450) * factor, PriceUnit.SESSION)
        if rng.random() < 0.1:
            offered.append("oral-ketamine")
            price(
                "oral-ketamine",
                rng.uniform(150, 350),
                PriceUnit.MONTH,
                included="Monthly prescriber visit and medication",
            )
        if rng.random() < 0.25:
            offered.append("kap")
            price(
                "kap",
                rng.uniform(300, 600) * factor,
                PriceUnit.SESSION,
                included="Therapy session during a ketamine treatment",
            )
        if rng.random() < 0.3:
            offered.append("integration")
            price(
                "integration",
                rng.uniform(100, 200) * factor,
                PriceUnit.SESSION,
                included="Integration therapy session",
            )

    return offered, prices
