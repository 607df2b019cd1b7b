"""The site's own settings as one frozen, typed object, built once from the app's config."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, get_type_hints

from flask import current_app


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """What services and views read, each with its type; `config.Defaults` holds the
    defaults and the environment overrides them (DIRECTORY_SEARCH_PER_PAGE=50)."""

    site_name: str
    deployment: str
    testing: bool
    secret_key: str
    public_base_url: str
    # search and compare
    search_default_radius_miles: float
    search_max_radius_miles: float
    search_per_page: int
    search_max_per_page: int
    compare_max_clinics: int
    price_stale_after_days: int
    stale_listing_days: int
    export_max_rows: int
    hsds_datapackage_build_max_listings: int
    exports_dir: str
    # accounts
    password_min_length: int
    password_max_length: int
    token_max_age_seconds: int
    lockout_after_failures: int
    lockout_minutes: int
    session_idle_minutes: int
    remembered_idle_days: int
    session_cookie_secure: bool
    # mail
    mail_backend: str
    mail_sender: str
    # moderation
    queue_per_page: int
    owner_max_pending_new_clinics: int
    # rate limits, as Flask-Limiter strings ("10 per minute")
    login_rate_limit: str
    register_rate_limit: str
    report_rate_limit: str
    change_password_rate_limit: str
    export_rate_limit: str
    owner_submit_rate_limit: str
    # places and maps
    geocoder: str
    nominatim_user_agent: str
    map_tile_url: str
    # reading pages and price files from other sites
    ingest_fetch_timeout_seconds: float
    ingest_allow_private_addresses: bool
    hpt_fetch_timeout_seconds: float
    hpt_max_file_bytes: int
    # limits checked before any work is done
    request_time_budget_seconds: float
    max_query_string_length: int
    max_query_parameters: int
    max_form_parts: int
    # Pieces of pages are kept per variant, the settings in every key: hashed once.
    _hash: int = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        fields = dataclasses.fields(self)
        values = tuple(getattr(self, field.name) for field in fields if field.init)
        object.__setattr__(self, "_hash", hash(values))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Read each field from its upper-case config key, converted to the field's type."""
        hints = get_type_hints(cls)
        values = {
            field.name: _convert(config.get(field.name.upper()), hints[field.name], field.name)
            for field in dataclasses.fields(cls)
            if field.init
        }
        return cls(**values)


def _convert(value: Any, kind: type, name: str) -> Any:
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if value is None:
        if kind is str:
            return ""
        raise RuntimeError(f"The setting {name.upper()} is missing.")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RuntimeError(
            f"The setting {name.upper()} must be a {kind.__name__}, not {value!r}."
        ) from None


def install(app: Any) -> Settings:
    """Build the settings from the app's config and keep them on the app."""
    settings = Settings.from_config(app.config)
    app.extensions["settings"] = settings
    return settings


def of(app: Any) -> Settings:
    """The settings of an app."""
    settings: Settings = app.extensions["settings"]
    return settings


def current() -> Settings:
    """The settings of the app handling this request or command."""
    return of(current_app)
