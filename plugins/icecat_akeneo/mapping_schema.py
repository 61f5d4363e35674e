"""The schema of a client mapping file (`include/mappings/<client>.yaml`) and what it means for Akeneo.

pydantic models, strict (unknown keys refused) and frozen; their validators check everything that can be
checked without Akeneo: source names, rule arguments, the cron expression, Icecat language codes the
connector supports, one locale per Icecat language, one field per attribute/locale/scope, at least one
usable identifier, non-empty connection ids. Loading (YAML, line numbers, guards) lives in `mapping`.
Nothing here imports Airflow.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from croniter import CroniterBadCronError, CroniterBadDateError, croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from icecat_akeneo.catalog.compatibility import MEDIA_KINDS, check_source  # noqa: F401 - public names of the mapping
from icecat_akeneo.icecat.languages import ICECAT_LANGUAGES
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.mapping_events import Events
from icecat_akeneo.mapping_targets import expand_attribute_lists

RULES_NEEDING_VALUE = ("min_images", "description_min_length")
PER_LANGUAGE_RULES = ("title_present", "description_min_length")
"""Checked on each language Icecat returned (or only those in `languages:`); other rules judge the product."""
AKENEO_DATETIME = "%Y-%m-%d %H:%M:%S"


def _icecat_language(code: str) -> str:
    if not re.fullmatch(r"[A-Z]{2,3}(_[A-Z]{2})?", code):
        raise ValueError(f"Icecat language {code!r} must look like EN, DE or ZH_TW")
    if code not in ICECAT_LANGUAGES:
        raise ValueError(f"Icecat language {code!r} is not one Icecat offers (EN, DE, FR, NL, ZH_TW, ...: "
                         "the list is in docs/mapping.md)")
    return code


def _connection_id(conn_id: str) -> str:
    if not re.fullmatch(r"[\w.-]+", conn_id):
        raise ValueError(f"connection id {conn_id!r} must be a non-empty Airflow Connection id "
                         "(letters, digits, _ . -)")
    return conn_id


# Airflow's schedule presets croniter does not know (`@once` has no cron; `@quarterly` is Airflow's alias).
AIRFLOW_PRESETS = {"@once": None, "@quarterly": "0 0 1 */3 *"}


def check_schedule(schedule: str | None) -> str | None:
    """A schedule Airflow can run: null, an Airflow preset (@daily, @once, ...) or a cron expression."""
    if schedule is None:
        return None
    expression = AIRFLOW_PRESETS.get(schedule, schedule)
    if expression is not None:
        try:
            croniter(expression)
        except (CroniterBadCronError, CroniterBadDateError, ValueError, KeyError) as error:
            raise ValueError(f"schedule {schedule!r} is not a cron expression or preset Airflow accepts "
                             f"(e.g. '@daily', '0 3 * * *'): {error}") from None
    return schedule


def _akeneo_locale(code: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Za-z]+)+", code):
        raise ValueError(f"Akeneo locale {code!r} must look like en_US")
    return code


IcecatLanguage = Annotated[str, AfterValidator(_icecat_language)]
ConnectionId = Annotated[str, AfterValidator(_connection_id)]
AttributeCode = Annotated[str, Field(min_length=1)]
AkeneoLocale = Annotated[str, AfterValidator(_akeneo_locale)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Connections(_Strict):
    akeneo: ConnectionId
    icecat: ConnectionId


class CompletenessFilter(_Strict):
    operator: str
    value: int
    scope: str | None = None          # defaults to the mapping's channel (Akeneo requires one)
    locales: list[str] | None = None


class Selection(_Strict):
    data_owner: list[str] | None = None
    enabled: bool | None = True
    families: list[str] | None = None
    categories: list[str] | None = None
    completeness: CompletenessFilter | None = None
    updated_in_interval: bool = False
    extra_filters: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class Identifiers(_Strict):
    gtin: AttributeCode | None = None
    brand: AttributeCode | None = None
    mpn: AttributeCode | None = None
    icecat_id: AttributeCode | None = None

    @model_validator(mode="after")
    def _one_usable(self) -> Identifiers:
        if not (self.gtin or self.icecat_id or (self.brand and self.mpn)):
            raise ValueError("no identifier to look products up by: set gtin, icecat_id, or brand and mpn")
        return self


class FieldMapping(_Strict):
    source: str
    attribute: str
    fallback: list[str] = Field(default_factory=list)
    locales: list[str] | None = None
    scope: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    unit: str | None = None
    join: str = "\n"
    manual_edits_win: bool | None = None
    precheck: bool = True     # false: send text/option values unchecked and let Akeneo judge (422 at load)
    html: Literal["rich", "plain"] | None = None  # plain: no tags even in a WYSIWYG textarea (sanitize.py)

    @field_validator("source")
    @classmethod
    def _known_source(cls, source: str) -> str:
        check_source(source)
        return source

    @field_validator("fallback")
    @classmethod
    def _known_fallbacks(cls, fallback: list[str]) -> list[str]:
        for source in fallback:
            check_source(source)
        return fallback

    @property
    def sources(self) -> list[str]:
        """The source then its fallbacks, in the order they are tried."""
        return [self.source, *self.fallback]


class AssociationMapping(_Strict):
    """`{type: X_SELL}`: Icecat's related products found in the selection become associations of that type
    (`icecat_akeneo.associations`); `preferred_only`: only those Icecat marks Preferred."""
    type: str = Field(pattern=r"^[A-Za-z0-9_]+$")   # X_SELL, UPSELL, SUBSTITUTION, PACK or the client's own
    preferred_only: bool = False


class CompletenessRule(_Strict):
    rule: Literal["title_present", "min_images", "description_min_length", "valid_ean13", "field_present"]
    value: int | None = Field(default=None, ge=0)
    field: str | None = None
    languages: list[str] | None = None    # per-language rules only: restrict to these Icecat languages

    @model_validator(mode="after")
    def _arguments_present(self) -> CompletenessRule:
        if self.rule in RULES_NEEDING_VALUE and self.value is None:
            raise ValueError(f"rule {self.rule} needs `value` (an integer)")
        if self.rule == "field_present" and self.field not in ProductRecord.__dataclass_fields__:
            raise ValueError(f"rule field_present needs `field`: a record field such as brand or mpn, "
                             f"not {self.field!r}")
        if self.languages and self.rule not in PER_LANGUAGE_RULES:
            raise ValueError(f"`languages` only applies to {' and '.join(PER_LANGUAGE_RULES)}")
        return self

    @property
    def name(self) -> str:
        """Readable rule id for quarantine rows and reports (`min_images`, `field_present:brand`)."""
        return f"{self.rule}:{self.field}" if self.field else self.rule


class RunParams(_Strict):
    failure_ratio: float = Field(default=0.25, ge=0, le=1)
    batch_size: int = Field(default=100, ge=1, le=100)
    akeneo_concurrency: int = Field(default=4, ge=1)
    icecat_concurrency: int = Field(default=8, ge=1)
    dry_run: bool = False
    manual_edits_win: bool = True
    max_refused_ratio: float = Field(default=0.01, ge=0, le=1)  # report_outcomes.run_status
    lock_wait_s: int = Field(default=0, ge=0)  # state.lock: wait this long for another run of the client
    shard_size: int = Field(default=5000, ge=1)  # steps.shards: most products per shard (one task each)
    rebuild_all: bool = False  # unchanged.py: rebuild every product, even those unchanged since their last build


class ClientMapping(_Strict):
    version: Literal[1]
    client: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str | None = None
    mapping_option: Literal["client_taxonomy", "drafted", "icecat_taxonomy"] = "client_taxonomy"
    connections: Connections
    schedule: Annotated[str | None, AfterValidator(check_schedule)] = None
    start_date: dt.datetime
    selection: Selection = Field(default_factory=Selection)
    identifiers: Identifiers
    languages: dict[IcecatLanguage, AkeneoLocale] = Field(min_length=1)
    channel: str
    fields: list[FieldMapping] = Field(min_length=1)
    associations: list[AssociationMapping] = Field(default_factory=list)
    completeness: list[CompletenessRule] = Field(default_factory=list)
    params: RunParams = Field(default_factory=RunParams)
    events: Events | None = None      # near-real-time runs, README "Near-real-time"

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_is_midnight_utc(cls, value: Any) -> Any:
        if not isinstance(value, (dt.date, str)):
            raise ValueError("expected a date like 2026-11-01 (or a date and time)")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        return value

    @field_validator("start_date")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    @field_validator("languages")
    @classmethod
    def _one_language_per_locale(cls, languages: dict[str, str]) -> dict[str, str]:
        by_locale: dict[str, list[str]] = {}
        for language, locale in languages.items():
            by_locale.setdefault(locale, []).append(language)
        shared = [f"{' and '.join(names)} -> {locale}" for locale, names in by_locale.items() if len(names) > 1]
        if shared:
            raise ValueError(f"one Icecat language per Akeneo locale ({'; '.join(shared)}): the second "
                             "would overwrite the first")
        return languages

    _attribute_lists = field_validator("fields", mode="before")(lambda fields: expand_attribute_lists(fields))

    @field_validator("fields")
    @classmethod
    def _one_field_per_value(cls, fields: list[FieldMapping], info: ValidationInfo) -> list[FieldMapping]:
        """Two fields writing one attribute value (attribute, locale, scope) would silently overwrite. The
        message starts with `[index]` of the second field, so the error points at its line."""
        languages, channel = info.data.get("languages") or {}, info.data.get("channel")
        written: dict[tuple[str, str | None, str], int] = {}
        for index, field in enumerate(fields):
            for locale in field.locales or list(languages.values()):
                first = written.setdefault((field.attribute, field.scope or channel, locale), index)
                if first != index:
                    raise ValueError(f"[{index}] writes {field.attribute!r} ({locale}, {field.scope or channel}) "
                                     f"like fields[{first}]: one field per attribute, locale and scope")
        return fields

    @property
    def locales(self) -> list[str]:
        return list(self.languages.values())

    @property
    def scopes(self) -> list[str]:
        """Every channel a field writes (its `scope`, else `channel`), the channel first: extract reads the
        values of all of them back."""
        return list(dict.fromkeys([self.channel, *(field.scope or self.channel for field in self.fields)]))

    def akeneo_search(self, data_interval: tuple[dt.datetime, dt.datetime] | None) -> dict[str, Any]:
        """The `search` filter of `GET /products` for this client's selection (filters are AND-ed); with a
        data interval (an incremental run), only products updated in it."""
        selection = self.selection
        search: dict[str, list[dict[str, Any]]] = {}
        if selection.data_owner:
            search["data_owner"] = [{"operator": "IN", "value": list(selection.data_owner)}]
        if selection.enabled is not None:
            search["enabled"] = [{"operator": "=", "value": selection.enabled}]
        if selection.families:
            search["family"] = [{"operator": "IN", "value": list(selection.families)}]
        if selection.categories:
            search["categories"] = [{"operator": "IN", "value": list(selection.categories)}]
        if selection.completeness is not None:
            completeness = selection.completeness
            entry: dict[str, Any] = {"operator": completeness.operator, "value": completeness.value,
                                     "scope": completeness.scope or self.channel}
            if completeness.locales:
                entry["locales"] = list(completeness.locales)
            search["completeness"] = [entry]
        if data_interval is not None:
            start, end = (_akeneo_datetime(moment) for moment in data_interval)
            search["updated"] = [{"operator": "BETWEEN", "value": [start, end]}]
        for key, filters in selection.extra_filters.items():
            search[key] = [*search.get(key, []), *filters]
        return search

    def dag_params(self) -> dict[str, Any]:
        """Defaults of the DAG's run params (overridable per run); `selection.updated_in_interval` makes
        incremental runs (`full_refresh: false`) the default."""
        return {**self.params.model_dump(), "full_refresh": not self.selection.updated_in_interval}


def _akeneo_datetime(moment: dt.datetime) -> str:
    """Akeneo compares `updated` in the server's time zone (UTC on SaaS): send UTC wall time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime(AKENEO_DATETIME)
