"""Field validators shared by the owner, account and admin forms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlparse

import phonenumbers
from flask_babel import gettext
from wtforms import Field, Form
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def choice_list(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# Characters that change how text displays without being seen: zero-width and other
# format characters (Unicode category Cf, which holds the bidi controls too).
def hidden_characters(text: str) -> list[str]:
    """The invisible or direction-changing characters in a text, as U+XXXX codes."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf"]


def scripts(text: str) -> set[str]:
    """The writing systems of a text's letters (LATIN, CYRILLIC, GREEK, ...)."""
    found = set()
    for c in text:
        if c.isalpha():
            name = unicodedata.name(c, "")
            found.add(name.split(" ")[0] if name else "UNKNOWN")
    return found


def mixed_script(text: str | None) -> bool:
    """True when one word mixes writing systems, as look-alike names do ("Аdmin")."""
    return any(len(scripts(word)) > 1 for word in (text or "").split())


def nfkc(value: str | None) -> str | None:
    """A form filter: fold compatibility characters (full-width letters, ligatures)."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def visible_text(_form: Form, field: Field) -> None:
    """No invisible or bidi control characters, and something visible left."""
    if not field.data:
        return
    hidden = hidden_characters(field.data)
    if hidden:
        raise ValidationError(
            gettext(
                "Remove the invisible characters (%(codes)s).", codes=", ".join(sorted(set(hidden)))
            )
        )
    if not field.data.strip():
        raise ValidationError(gettext("Enter visible text."))


def email_address(_form: Form, field: Field) -> None:
    """A plausible e-mail address (deliverability is proved by the verification mail).

    Invisible characters and addresses that mix writing systems ("admin@examрle.org" with
    a Cyrillic letter) are refused: they exist to look like someone else's address.
    """
    if not field.data:
        return
    value = unicodedata.normalize("NFKC", field.data).strip()
    if hidden_characters(value):
        raise ValidationError(gettext("Remove the invisible characters from the e-mail address."))
    if not EMAIL_RE.match(value):
        raise ValidationError(gettext("Enter an e-mail address such as name@example.com."))
    local, _, domain = value.partition("@")
    if any(len(scripts(part)) > 1 for part in (local, *domain.split("."))):
        raise ValidationError(
            gettext("This address mixes letters from different alphabets. Type it again in one.")
        )


def web_address(_form: Form, field: Field) -> None:
    """An http or https URL with a host."""
    if not field.data:
        return
    parsed = urlparse(field.data.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in field.data.strip():
        raise ValidationError(gettext("Enter a full web address starting with https://."))


def not_in_future(_form: Form, field: Field) -> None:
    """A date no later than today."""
    if field.data and field.data > date.today():
        raise ValidationError(gettext("The date cannot be in the future."))


# No published ketamine clinic price is older: an earlier date is a typing slip.
EARLIEST_PRICE_DATE = date(2000, 1, 1)


def not_before_2000(_form: Form, field: Field) -> None:
    """A price's date from 2000 on."""
    if field.data and field.data < EARLIEST_PRICE_DATE:
        raise ValidationError(gettext("Give a date from 2000 on."))


def us_phone_e164(text: str) -> str | None:
    """+1XXXXXXXXXX for a US number written with digits or letters, else None."""
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if len(national) > 10 and re.search(r"[A-Za-z]", text):
        # Vanity numbers often spell one letter more than they dial: (855) KETAMINE.
        national = national[:10]
    if number.country_code != 1 or len(national) != 10 or national[0] in "01":
        return None
    return f"+1{national}"


def _has_extension(text: str) -> bool:
    try:
        return bool(phonenumbers.parse(text, "US").extension)
    except phonenumbers.NumberParseException:
        return False


def us_phone(_form: Form, field: Field) -> None:
    """A ten-digit US phone number, digits or letters, without an extension (a listing's
    phones are dialled and texted from its page as they stand)."""
    if field.data and _has_extension(field.data):
        raise ValidationError(gettext("Enter the number without an extension."))
    if field.data and us_phone_e164(field.data) is None:
        raise ValidationError(
            gettext("Enter a US phone number with area code, such as (555) 555-0100.")
        )
