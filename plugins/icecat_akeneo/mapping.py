"""The client mapping file (`include/mappings/<client>.yaml`): schema, loading, and what it means for Akeneo.

A mapping file is written by an integrator (or drafted for a client), so its mistakes must be pointed at, not
explained: every error names the file, the line and the key (`acme.yaml:23 fields[4].attribute: Field
required`). YAML is composed into nodes first to keep line numbers, then validated by pydantic. A broken file
raises `MappingError`; `load_all` returns it in place of the mapping so only that client's DAG is lost.
Nothing here imports Airflow: the DAG factory, the CLI and the steps all read mappings through this module.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from icecat_akeneo.catalog.compatibility import source_kind
from icecat_akeneo.icecat.record import ProductRecord

MEDIA_KINDS = ("manual", "datasheet", "leaflet", "energy_label", "product_fiche", "video", "other")
RULES_NEEDING_VALUE = ("min_images", "description_min_length")
PER_LANGUAGE_RULES = ("title_present", "description_min_length")
"""Checked on each language Icecat returned (or only those in `languages:`); other rules judge the product."""
AKENEO_DATETIME = "%Y-%m-%d %H:%M:%S"


def _icecat_language(code: str) -> str:
    if not re.fullmatch(r"[A-Z]{2,3}(_[A-Z]{2})?", code):
        raise ValueError(f"Icecat language {code!r} must look like EN, DE or ZH_TW")
    return code


def _akeneo_locale(code: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Za-z]+)+", code):
        raise ValueError(f"Akeneo locale {code!r} must look like en_US")
    return code


IcecatLanguage = Annotated[str, AfterValidator(_icecat_language)]
AkeneoLocale = Annotated[str, AfterValidator(_akeneo_locale)]


class MappingError(ValueError):
    """A mapping file that cannot be used; the message starts with `<file>:<line>`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Connections(_Strict):
    akeneo: str
    icecat: str


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
    gtin: str | None = None
    brand: str | None = None
    mpn: str | None = None
    icecat_id: str | None = None


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


class ClientMapping(_Strict):
    version: Literal[1]
    client: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str | None = None
    mapping_option: Literal["client_taxonomy", "drafted", "icecat_taxonomy"] = "client_taxonomy"
    connections: Connections
    schedule: str | None = None
    start_date: dt.datetime
    selection: Selection = Field(default_factory=Selection)
    identifiers: Identifiers
    languages: dict[IcecatLanguage, AkeneoLocale] = Field(min_length=1)
    channel: str
    fields: list[FieldMapping] = Field(min_length=1)
    completeness: list[CompletenessRule] = Field(default_factory=list)
    params: RunParams = Field(default_factory=RunParams)

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_is_midnight_utc(cls, value: Any) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        return value

    @field_validator("start_date")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    @property
    def locales(self) -> list[str]:
        return list(self.languages.values())

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


def check_source(source: str) -> None:
    """Raise ValueError unless `source` names a field of the normalized record (docs/mapping.md)."""
    if re.fullmatch(r"feature:\d+", source):
        return
    if source.startswith("media:"):
        if source.removeprefix("media:") not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind in {source!r}: use one of {', '.join(MEDIA_KINDS)}")
        return
    if source_kind(source) is None:
        raise ValueError(f"unknown source {source!r}: use a record field (title, description_html, ...), "
                         "feature:<Icecat feature id> or media:<kind> (see docs/mapping.md)")


# --- loading with line numbers ----------------------------------------------------------------------------

def _line_index(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int],
                duplicates: list[tuple[tuple[Any, ...], int]]) -> None:
    """Map every key path to its 1-based line; note keys given twice (YAML would silently keep the last)."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                duplicates.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_index(item, (*path, index), lines, duplicates)


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _line_of(path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int:
    """The line of the deepest part of `path` the file has (a missing key points at its parent)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _loc_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic adds `[key]` for dict entries it validates; keep only the keys of the file."""
    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith("[")))


def _validation_errors(name: str, error: ValidationError, lines: dict[tuple[Any, ...], int]) -> str:
    messages = []
    for problem in error.errors(include_url=False):
        path = _loc_path(tuple(problem["loc"]))
        message = problem["msg"].removeprefix("Value error, ")
        messages.append(f"{name}:{_line_of(path, lines)} {_dotted(path)}: {message}")
    return "\n".join(messages)


def parse_mapping(text: str, name: str) -> ClientMapping:
    """Validate a mapping's YAML text; `name` is how errors refer to the file."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise MappingError(f"{name}:{line} (yaml): {error.problem or error}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise MappingError(f"{name}:1 (top level): a mapping file must be a YAML mapping (key: value lines)")
    lines: dict[tuple[Any, ...], int] = {}
    duplicates: list[tuple[tuple[Any, ...], int]] = []
    _line_index(node, (), lines, duplicates)
    if duplicates:
        raise MappingError("\n".join(f"{name}:{line} {_dotted(path)}: key given twice (the last would win)"
                                     for path, line in duplicates))
    try:
        return ClientMapping.model_validate(data)
    except ValidationError as error:
        raise MappingError(_validation_errors(name, error, lines)) from None


def load_mapping(path: str | Path) -> ClientMapping:
    """Load and validate one mapping file; its `client` must equal the file name (one DAG id per file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or error
        raise MappingError(f"{path}:0 (file): cannot read the mapping file: {reason}") from None
    mapping = parse_mapping(text, str(path))
    if mapping.client != path.stem:
        line = _client_line(text)
        raise MappingError(f"{path}:{line} client: {mapping.client!r} must equal the file name {path.stem!r} "
                           "(the DAG ids are derived from it)")
    return mapping


def _client_line(text: str) -> int:
    lines: dict[tuple[Any, ...], int] = {}
    _line_index(yaml.compose(text), (), lines, [])
    return lines.get(("client",), 1)


def load_all(folder: str | Path) -> list[ClientMapping | MappingError]:
    """Every `*.yaml` of a folder, sorted by file name; a broken file yields its MappingError in its place."""
    results: list[ClientMapping | MappingError] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            results.append(load_mapping(path))
        except MappingError as error:
            results.append(error)
    return results
