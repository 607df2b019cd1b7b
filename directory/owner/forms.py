"""Forms owners fill: a listing (new or edited), a claim, a confirmation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import LazyString, gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from directory.extensions import db
from directory.listings import schema
from directory.listings.schema import Kind
from directory.listings.snapshots import UNIT_WORDS
from directory.listings.taxonomy import (
    CONDITIONS,
    INSURANCE_PAYMENTS,
    LANGUAGES,
    PAYMENT_NAMES,
    PAYMENT_OPTIONS,
    TREATMENTS,
)
from directory.models import PhoneKind, PriceUnit
from directory.search import places as geo
from directory.terms import language_name
from directory.validators import (
    choice_list,
    email_address,
    nfkc,
    not_before_2000,
    not_in_future,
    us_phone,
    us_phone_e164,
    visible_text,
    web_address,
)

# Taxonomy names are in the catalogue (directory.terms); a label is translated when shown.
TREATMENT_CHOICES = [(s, lazy_gettext(n)) for s, n, _ in TREATMENTS]
UNIT_CHOICES = [(unit, lazy_gettext(words)) for unit, words in UNIT_WORDS.items()]
# What each kind of number is for, as the phone rows' select offers it.
PHONE_KIND_CHOICES = [
    (PhoneKind.MAIN.value, lazy_gettext("Main")),
    (PhoneKind.TOLL_FREE.value, lazy_gettext("Toll-free")),
    (PhoneKind.TEXT.value, lazy_gettext("Text messages")),
]
TRISTATE = [
    ("", lazy_gettext("Not stated")),
    ("yes", lazy_gettext("Yes")),
    ("no", lazy_gettext("No")),
]
PHONE_ROWS, PRICE_ROWS = 3, 8
# What a clinic may publish at $0: a free first consultation.
FREE_TREATMENTS = frozenset({"consultation"})


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, usable without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PhoneRow(Form):
    """One phone number; a blank row is ignored."""

    display = StringField(lazy_gettext("Number"), validators=[Optional(), Length(max=40), us_phone])
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=choice_list(PHONE_KIND_CHOICES),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """An empty row is ignored."""
        if not (self.display.data or "").strip():
            return True
        return super().validate(extra_validators)


class PriceRow(Form):
    """One published price; a blank row is ignored, a started row must be complete."""

    treatment = SelectField(
        lazy_gettext("Treatment"), choices=choice_list([("", "—"), *TREATMENT_CHOICES])
    )
    amount = DecimalField(lazy_gettext("Amount ($)"), places=2, validators=[Optional()])
    unit = SelectField(lazy_gettext("Per"), choices=choice_list(UNIT_CHOICES))
    sessions_included = IntegerField(
        lazy_gettext("Sessions included"), validators=[Optional(), NumberRange(min=1, max=60)]
    )
    included = StringField(
        lazy_gettext("What it includes"), validators=[Optional(), Length(max=300)]
    )
    insurance_accepted = BooleanField(lazy_gettext("Insurance accepted"))
    source_url = URLField(
        lazy_gettext("Where it is published (URL)"),
        validators=[Optional(), Length(max=500), web_address],
    )
    as_of = DateField(
        lazy_gettext("As of"), validators=[Optional(), not_in_future, not_before_2000]
    )

    def is_blank(self) -> bool:
        """True when nothing was entered in the row."""
        return not any(
            [
                self.treatment.data,
                self.amount.data is not None,
                self.included.data,
                self.source_url.data,
                self.as_of.data,
                self.sessions_included.data,
            ]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        """Fields are optional one by one, but a started price needs all of its facts."""
        if self.is_blank():
            return True  # an unused row, whatever its selects say
        ok = super().validate(extra_validators)
        for name, message in (
            ("treatment", gettext("Choose the treatment.")),
            ("amount", gettext("Enter the amount.")),
            ("source_url", gettext("Give the web page where this price is published.")),
            ("as_of", gettext("Give the date the price was published or checked.")),
        ):
            field = getattr(self, name)
            if (field.data is None or field.data == "") and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        if self.amount.data is not None and not self.amount.data.is_finite():
            self.amount.errors = [*self.amount.errors, gettext("Enter the amount in dollars.")]
            return False
        if self.amount.data is not None and self.amount.data < 0:
            self.amount.errors = [*self.amount.errors, gettext("The price must be at least $0.01.")]
            ok = False
        elif self.amount.data is not None and self.amount.data < Decimal("0.01"):
            # A free consultation is published as $0; a treatment at $0 is a mistake (and
            # would rank first by price).
            if self.treatment.data not in FREE_TREATMENTS:
                message = gettext(
                    "Only a consultation can be free; a treatment costs at least $0.01."
                )
                self.amount.errors = [*self.amount.errors, message]
                ok = False
        if self.amount.data is not None and self.amount.data > Decimal("100000"):
            self.amount.errors = [*self.amount.errors, gettext("That amount is too large.")]
            ok = False
        if self.unit.data == PriceUnit.SERIES.value and not self.sessions_included.data:
            self.sessions_included.errors = [
                *self.sessions_included.errors,
                gettext("Say how many sessions the series includes."),
            ]
            ok = False
        return ok


def _text(
    label: LazyString,
    max_length: int,
    required: bool = False,
    field: type[StringField] = StringField,
) -> StringField:
    """Free text patients read: NFKC-normalised, visible, at most `max_length` characters."""
    first = DataRequired() if required else Optional()
    return field(label, filters=[nfkc], validators=[first, Length(max=max_length), visible_text])


def _state_options() -> list[SelectChoice]:
    """The state select's options, named and ordered in the reader's language."""
    return choice_list([("", "—"), *geo.state_choices()])


class ListingForm(FlaskForm):
    """Everything an owner may propose about a listing."""

    name = _text(lazy_gettext("Clinic name"), 200, required=True)
    description = _text(lazy_gettext("Description"), 4000, field=TextAreaField)
    website = URLField(
        lazy_gettext("Website"), validators=[Optional(), Length(max=500), web_address]
    )
    email = StringField(
        lazy_gettext("Public e-mail"), validators=[Optional(), Length(max=254), email_address]
    )
    address_1 = _text(lazy_gettext("Street address"), 200)
    address_2 = _text(lazy_gettext("Suite, floor"), 200)
    city = _text(lazy_gettext("City"), 120)
    # Called when each form is built: the names are in the reader's language.
    state = SelectField(lazy_gettext("State"), choices=_state_options)
    postal_code = StringField(lazy_gettext("ZIP code"), validators=[Optional(), Length(max=10)])
    hours = TextAreaField(lazy_gettext("Opening hours"), validators=[Optional(), Length(max=1000)])
    free_consultation = SelectField(
        lazy_gettext("Free consultation"), choices=choice_list(TRISTATE)
    )
    accepts_insurance = SelectField(
        lazy_gettext("Accepts insurance"), choices=choice_list(TRISTATE)
    )
    treatments = MultiCheckboxField(
        lazy_gettext("Treatments offered"), choices=choice_list(TREATMENT_CHOICES)
    )
    conditions = MultiCheckboxField(
        lazy_gettext("Conditions treated"),
        choices=choice_list([(s, lazy_gettext(n)) for s, n in CONDITIONS]),
    )
    payment_options = MultiCheckboxField(
        lazy_gettext("Ways patients can pay"),
        choices=choice_list([(c, lazy_gettext(n)) for c, n in PAYMENT_OPTIONS]),
    )
    languages = MultiCheckboxField(
        lazy_gettext("Languages staff speak"),
        choices=choice_list([(c, LazyString(language_name, c)) for c, _n in LANGUAGES]),
    )
    accepting_new_patients = SelectField(
        lazy_gettext("Accepting new patients"), choices=choice_list(TRISTATE), default=""
    )
    first_appointment_wait = _text(lazy_gettext("Usual wait for a first appointment"), 120)
    rems_certified = SelectField(
        lazy_gettext("Spravato REMS-certified treatment center"),
        choices=choice_list(TRISTATE),
        default="",
    )
    # Labelled so the error summary names them in the reader's language ("Precios, fila 1").
    phones = FieldList(
        FormField(PhoneRow),
        lazy_gettext("Phones"),
        min_entries=PHONE_ROWS,
        max_entries=PHONE_ROWS,
    )
    prices = FieldList(
        FormField(PriceRow),
        lazy_gettext("Prices"),
        min_entries=PRICE_ROWS,
        max_entries=PRICE_ROWS,
    )
    note = TextAreaField(
        lazy_gettext("Note for the moderator"), validators=[Optional(), Length(max=2000)]
    )

    # The listing's address as it stands (set by the edit view): an unchanged address keeps
    # its coordinates, so it is not looked up again.
    current_location: dict[str, Any] | None = None

    def _entered_address(self) -> dict[str, str | None]:
        return {
            k: (getattr(self, k).data or "").strip() or None
            for k in ("address_1", "address_2", "city", "state", "postal_code")
        }

    def _is_current_address(self, current_loc: dict[str, Any] | None) -> bool:
        if not current_loc:
            return False
        address = self._entered_address()
        return all(address[k] == (current_loc.get(k) or None) for k in address)

    def validate_postal_code(self, field: StringField) -> None:
        """Five digits, if given, of a ZIP code in the state chosen: a new or changed address
        is placed on the map by it."""
        code = (field.data or "").strip()
        if not code:
            return
        if self._is_current_address(self.current_location):
            return
        if not geo.ZIP_RE.match(code):
            raise ValidationError(gettext("A ZIP code has five digits, for example 48336."))
        try:
            place = geo.resolve_place(db.session, code[:5])
        except geo.UnknownPlace as exc:  # says which digits
            raise ValidationError(str(exc)) from exc
        if self.state.data and place.state and place.state != self.state.data:
            raise ValidationError(
                gettext(
                    "ZIP code %(zip)s is in %(zip_state)s, not %(state)s. Check the ZIP code "
                    "and the state.",
                    zip=code[:5],
                    zip_state=geo.state_display_name(place.state),
                    state=geo.state_display_name(self.state.data),
                )
            )

    def _check_city(self) -> None:
        """Without a ZIP code, the city and state place the listing: they must be known."""
        city, state = (self.city.data or "").strip(), self.state.data
        if not city or not state:
            return
        try:
            geo.resolve_place(db.session, f"{city}, {state}")
        except geo.UnknownPlace as exc:
            raise ValidationError(
                gettext(
                    "We could not place %(city)s, %(state)s on the map. Give the ZIP code.",
                    city=city,
                    state=state,
                )
            ) from exc

    def validate_state(self, field: SelectField) -> None:
        """An address needs its state; without a ZIP code, its city must be known there."""
        if (self.address_1.data or self.city.data or self.postal_code.data) and not field.data:
            raise ValidationError(gettext("Choose the state."))
        if not (self.postal_code.data or "").strip() and not self._is_current_address(
            self.current_location
        ):
            self._check_city()

    def validate_free_consultation(self, field: SelectField) -> None:
        """A free consultation, or not, as the consultation prices say."""
        consultations = [
            row.form.amount.data
            for row in self.prices
            if row.form.treatment.data == "consultation" and row.form.amount.data is not None
        ]
        if field.data == "yes" and consultations and min(consultations) > 0:
            raise ValidationError(
                gettext(
                    "You said the first consultation is free, but its price is above $0. "
                    "Enter it as $0, or answer No."
                )
            )
        if field.data == "no" and any(amount == 0 for amount in consultations):
            raise ValidationError(
                gettext(
                    "You said the consultation is not free, but a consultation price is $0. "
                    "Change one of them."
                )
            )

    def validate_address_1(self, field: StringField) -> None:
        """A street address is shown with its city: without one it reads as half an
        address. (The city field's own check would stop at an empty city.)"""
        if (field.data or "").strip() and not (self.city.data or "").strip():
            raise ValidationError(gettext("Give the city of the street address."))

    def validate_accepts_insurance(self, field: SelectField) -> None:
        """ "Does not accept insurance" cannot stand beside a way to pay through an insurer
        or a price insurance covers: patients filtering by insurance would be misled."""
        if field.data != "no":
            return
        billed = [code for code in self.payment_options.data or () if code in INSURANCE_PAYMENTS]
        if billed:
            raise ValidationError(
                gettext(
                    "You said the clinic does not accept insurance, but chose %(ways)s as a "
                    "way to pay. Change one of them.",
                    ways=", ".join(gettext(PAYMENT_NAMES[code]) for code in billed),
                )
            )
        if any(row.form.insurance_accepted.data for row in self.prices):
            raise ValidationError(
                gettext(
                    "You said the clinic does not accept insurance, but a price says "
                    "insurance is accepted for it. Change one of them."
                )
            )

    def fill(self, snapshot: dict[str, Any]) -> None:
        """Pre-fill from a listing snapshot (GET only)."""
        for name in schema.fields_of(Kind.TEXT):
            getattr(self, name).data = snapshot.get(name) or ""
        for name in schema.fields_of(Kind.FLAG):
            value = snapshot.get(name)
            getattr(self, name).data = "" if value is None else ("yes" if value else "no")
        for name in schema.fields_of(Kind.TERMS) + schema.fields_of(Kind.CODES):
            getattr(self, name).data = list(snapshot.get(name) or [])
        loc = snapshot.get("location") or {}
        for name in ("address_1", "address_2", "city", "state", "postal_code"):
            getattr(self, name).data = loc.get(name) or ""
        for row, phone in zip(self.phones, snapshot.get("phones") or [], strict=False):
            row.form.display.data = phone.get("vanity") or phone["display"]
            row.form.kind.data = phone["kind"]
        for row, price in zip(self.prices, snapshot.get("prices") or [], strict=False):
            f = row.form
            f.treatment.data = price["treatment"]
            f.amount.data = Decimal(price["amount_cents"]) / 100
            f.unit.data = price["unit"]
            f.sessions_included.data = price.get("sessions_included")
            f.included.data = price.get("included") or ""
            f.insurance_accepted.data = bool(price.get("insurance_accepted"))
            f.source_url.data = price.get("source_url") or ""
            f.as_of.data = date.fromisoformat(price["as_of"]) if price.get("as_of") else None

    def payload(self, current: dict[str, Any]) -> dict[str, Any]:
        """The proposal as a listing snapshot; coordinates are worked out on approval."""
        current_loc = current.get("location") or {}
        address = self._entered_address()
        location: dict[str, Any] | None = current.get("location")
        if any(address.values()):
            same = self._is_current_address(current_loc)
            location = dict(current_loc) if same else {**address, "metro": None}
        phones = []
        for row in self.phones:
            text = (row.form.display.data or "").strip()
            if text:
                e164 = us_phone_e164(text) or ""
                vanity = text if any(c.isalpha() for c in text) else None
                display = f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}" if e164 else text
                phones.append(
                    {"display": display, "e164": e164, "kind": row.form.kind.data, "vanity": vanity}
                )
        prices = []
        for row in self.prices:
            f = row.form
            if f.is_blank():
                continue
            prices.append(
                {
                    "treatment": f.treatment.data,
                    "amount_cents": int((f.amount.data * 100).to_integral_value()),
                    "unit": f.unit.data,
                    "sessions_included": f.sessions_included.data,
                    "included": (f.included.data or "").strip(),
                    "insurance_accepted": bool(f.insurance_accepted.data),
                    "source_url": (f.source_url.data or "").strip(),
                    "as_of": f.as_of.data.isoformat(),
                }
            )

        data: dict[str, Any] = {}
        for name in schema.FIELDS:
            spec = schema.SPECS[name]
            entered = getattr(self, name).data if hasattr(self, name) else None
            if spec.kind is Kind.TEXT:
                data[name] = (entered or "").strip() or schema.Listing.model_fields[name].default
            elif spec.kind is Kind.FLAG:
                data[name] = None if not entered else entered == "yes"
            elif spec.choices is not None:  # in the taxonomy's order, whatever the tick order
                data[name] = [c for c in spec.choices if c in (entered or [])]
        return data | {"location": location, "phones": phones, "prices": prices}


class NewClinicForm(ListingForm):
    """A clinic not yet listed: it needs an address to be placed."""

    def validate_postal_code(self, field: StringField) -> None:
        """A new listing needs a ZIP code, or a city and state, to be found."""
        super().validate_postal_code(field)
        if not field.data and not (self.city.data and self.state.data):
            raise ValidationError(gettext("Give the ZIP code, or the city and state."))


class ClaimForm(FlaskForm):
    """Ask to manage a listing."""

    note = TextAreaField(
        lazy_gettext("How are you connected to this clinic?"),
        validators=[DataRequired(), Length(min=10, max=2000)],
    )


class ActionForm(FlaskForm):
    """A button that only needs CSRF protection."""
