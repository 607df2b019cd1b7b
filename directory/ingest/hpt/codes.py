"""The billing codes the directory takes from hospital price files, kept as data.

Each rule names a code (or every NDC), the code types it is accepted under, the site's
treatment it maps to, what the charge covers, and a plain-words note for patients.
Unclassified-drug codes (J3490, J3590) and NDC lines are kept only when the item's
description names ketamine or esketamine. Everything else in a file is skipped and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ANY_NDC = "*"
KETAMINE_RE = re.compile(r"ketamine|spravato|ketalar", re.IGNORECASE)
ESKETAMINE_RE = re.compile(r"esketamine|spravato", re.IGNORECASE)
PROCEDURE_TYPES = frozenset({"CPT", "HCPCS"})


@dataclass(frozen=True)
class CodeRule:
    """One relevant code and how the directory presents its charges."""

    code: str
    code_types: frozenset[str]
    treatment: str
    covers: str
    note: str
    needs_ketamine: bool = False


CODE_RULES: tuple[CodeRule, ...] = (
    CodeRule(
        "G2082",
        PROCEDURE_TYPES,
        "esketamine",
        "whole session",
        "An esketamine (Spravato) nasal spray session of up to 56 mg: the medicine and at "
        "least two hours of observation in the office.",
    ),
    CodeRule(
        "G2083",
        PROCEDURE_TYPES,
        "esketamine",
        "whole session",
        "An esketamine (Spravato) nasal spray session of more than 56 mg: the medicine and "
        "at least two hours of observation in the office.",
    ),
    CodeRule(
        "S0013",
        PROCEDURE_TYPES,
        "esketamine",
        "drug only",
        "Esketamine nasal spray, per 1 mg: the medicine only; the visit and observation "
        "are charged separately.",
    ),
    CodeRule(
        "J3490",
        PROCEDURE_TYPES,
        "iv-infusion",
        "drug only",
        "An unclassified drug code, here ketamine: the medicine only; giving the infusion "
        "is charged separately.",
        needs_ketamine=True,
    ),
    CodeRule(
        "J3590",
        PROCEDURE_TYPES,
        "iv-infusion",
        "drug only",
        "An unclassified biologic code, here ketamine: the medicine only; giving the "
        "infusion is charged separately.",
        needs_ketamine=True,
    ),
    CodeRule(
        ANY_NDC,
        frozenset({"NDC"}),
        "iv-infusion",
        "drug only",
        "The medicine itself, named by its National Drug Code; giving it is charged separately.",
        needs_ketamine=True,
    ),
    CodeRule(
        "96365",
        PROCEDURE_TYPES,
        "iv-infusion",
        "administration",
        "Starting and running an IV infusion for up to the first hour: the nurse's and "
        "equipment's time, not the medicine.",
    ),
    CodeRule(
        "96366",
        PROCEDURE_TYPES,
        "iv-infusion",
        "administration",
        "Each further hour of an IV infusion: the time only, not the medicine.",
    ),
    CodeRule(
        "90791",
        PROCEDURE_TYPES,
        "consultation",
        "evaluation",
        "A psychiatric diagnostic evaluation: the first assessment of your history and "
        "symptoms, without medical services.",
    ),
    CodeRule(
        "90792",
        PROCEDURE_TYPES,
        "consultation",
        "evaluation",
        "A psychiatric diagnostic evaluation with medical services, by a physician or "
        "prescriber who can review medicines.",
    ),
)

RULES_BY_CODE = {r.code: r for r in CODE_RULES if r.code != ANY_NDC}
NDC_RULE = next(r for r in CODE_RULES if r.code == ANY_NDC)
# A cheap first test for every line of a multi-gigabyte file: exact spellings first.
RELEVANT_CODES = frozenset(RULES_BY_CODE)
RELEVANT_SPELLINGS = RELEVANT_CODES | {c.lower() for c in RELEVANT_CODES}


def maybe_relevant(code: str, code_type: str) -> bool:
    """True when a (code, type) pair could be kept; False for nearly every line of a file."""
    if code in RELEVANT_SPELLINGS:
        return True
    if code[:1] == " " or code[-1:] == " ":
        if code.strip().upper() in RELEVANT_CODES:
            return True
    return code_type[:1] in ("N", "n", " ") and code_type.strip().upper() == "NDC"


@dataclass(frozen=True)
class Match:
    """The code that made an item relevant, and the rule it matched."""

    code: str
    code_type: str
    rule: CodeRule
    treatment: str


def normalise_code(code: str) -> str:
    """Codes as hospitals write them: trimmed and upper case."""
    return code.strip().upper()


def select(codes: list[tuple[str, str]], description: str) -> Match | None:
    """The first of an item's (code, type) pairs that the directory keeps, else None."""
    for raw_code, raw_type in codes:
        code, code_type = normalise_code(raw_code), raw_type.strip().upper()
        rule = RULES_BY_CODE.get(code)
        if rule is None and code_type == "NDC":
            rule = NDC_RULE
        if rule is None or code_type not in rule.code_types:
            continue
        if rule.needs_ketamine and not KETAMINE_RE.search(description or ""):
            continue
        treatment = rule.treatment
        if rule.needs_ketamine and ESKETAMINE_RE.search(description):
            treatment = "esketamine"
        return Match(code, code_type, rule, treatment)
    return None


def note_for(code: str, code_type: str) -> str:
    """The plain-words note on what a code includes."""
    rule = NDC_RULE if code_type.upper() == "NDC" else RULES_BY_CODE.get(code.upper())
    return rule.note if rule else ""
