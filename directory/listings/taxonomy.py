"""The fixed taxonomies of treatments and conditions, in display order."""

from __future__ import annotations

TREATMENTS: list[tuple[str, str, str]] = [
    ("iv-infusion", "IV ketamine infusion", "Ketamine given through an intravenous drip."),
    ("esketamine", "Esketamine (Spravato)", "A nasal spray taken in the office under observation."),
    ("im-ketamine", "IM ketamine", "Ketamine given as an intramuscular injection."),
    ("oral-ketamine", "Oral or sublingual ketamine", "Ketamine taken as a tablet or lozenge."),
    ("at-home", "At-home program", "Ketamine taken at home within a telehealth program."),
    ("kap", "Ketamine-assisted psychotherapy", "Therapy sessions combined with ketamine."),
    ("consultation", "Consultation", "An initial evaluation to decide whether ketamine fits."),
    ("integration", "Integration therapy", "Therapy after treatment to make sense of it."),
]

CONDITIONS: list[tuple[str, str]] = [
    ("depression", "Depression"),
    ("treatment-resistant-depression", "Treatment-resistant depression"),
    ("anxiety", "Anxiety"),
    ("ptsd", "PTSD"),
    ("ocd", "OCD"),
    ("chronic-pain", "Chronic pain"),
    ("suicidal-ideation", "Suicidal ideation"),
    ("bipolar-depression", "Bipolar depression"),
    ("postpartum-depression", "Postpartum depression"),
]

TREATMENT_SLUGS = frozenset(slug for slug, _, _ in TREATMENTS)
CONDITION_SLUGS = frozenset(slug for slug, _ in CONDITIONS)
TREATMENT_NAMES = {slug: name for slug, name, _ in TREATMENTS}
CONDITION_NAMES = dict(CONDITIONS)

# How a patient can pay, in display order (the codes search and the API accept).
PAYMENT_OPTIONS: list[tuple[str, str]] = [
    ("self-pay", "Self-pay"),
    ("private-insurance", "Private insurance (in network)"),
    ("out-of-network", "Out of network (superbill offered)"),
    ("medicare", "Medicare"),
    ("medicaid", "Medicaid"),
    ("tricare", "TRICARE"),
    ("va-community-care", "VA Community Care"),
    ("sliding-scale", "Sliding-scale fees"),
    ("financing", "Financing (for example CareCredit)"),
    ("hsa-fsa", "HSA or FSA card"),
]
PAYMENT_CODES = frozenset(code for code, _ in PAYMENT_OPTIONS)
PAYMENT_NAMES = dict(PAYMENT_OPTIONS)

# Languages staff commonly speak in US clinics: ISO 639-1 code (639-2 where 639-1 has
# none) and English name.
LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("tl", "Tagalog"),
    ("vi", "Vietnamese"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("de", "German"),
    ("ht", "Haitian Creole"),
    ("hi", "Hindi"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("pl", "Polish"),
    ("ja", "Japanese"),
    ("fa", "Persian"),
    ("gu", "Gujarati"),
    ("ur", "Urdu"),
    ("bn", "Bengali"),
    ("he", "Hebrew"),
    ("el", "Greek"),
    ("uk", "Ukrainian"),
    ("hy", "Armenian"),
    ("pa", "Punjabi"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("nv", "Navajo"),
    ("yi", "Yiddish"),
    ("km", "Khmer"),
    ("lo", "Lao"),
    ("hmn", "Hmong"),
    ("sgn", "Sign language"),
]
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGES)
LANGUAGE_NAMES = dict(LANGUAGES)
