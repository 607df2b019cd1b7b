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
