"""The file contract between the steps: every artifact of a run folder, its path and its Arrow schema.

A step reads what earlier steps wrote and writes its own folder (`<run>/<step>/...`); naming each artifact
once here is what lets a reader of one step know what the next one finds, and lets a test mean "the
products extract wrote" instead of spelling a path. Parquet artifacts are written through `ParquetStream`
(row groups as rows arrive, temporary name renamed on close), so a failed step never leaves half a file that
the next step could take for a whole one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from icecat_akeneo.icecat.record_schema import RECORD_SCHEMA


class Step(StrEnum):
    """The steps of a sync run, in order; each value is also the step's folder and its Airflow task id."""

    EXTRACT = "extract"
    ENRICH = "enrich"
    VALIDATE = "validate"
    TRANSFORM = "transform"
    LOAD = "load"


STEPS: tuple[Step, ...] = tuple(Step)
STEP_REPORT = "report.json"
BATCH_GLOB = "batch-*.ndjson"
MODEL_BATCH_GLOB = "models-batch-*.ndjson"
ROWS_PER_GROUP = 5000
PYTHON_ROWS = 500

IDENTIFIER_COLUMNS = ("gtin", "brand", "mpn", "icecat_id")
"""The product identifiers Icecat is searched by, read out of the Akeneo values into their own columns."""


def _strings(*names: str) -> list[tuple[str, pa.DataType]]:
    return [(name, pa.string()) for name in names]


_VALUE_KEY = ("identifier", "attribute", "locale", "scope")
PRODUCTS_SCHEMA = pa.schema([
    ("identifier", pa.string()), ("uuid", pa.string()), ("family", pa.string()), ("enabled", pa.bool_()),
    ("categories", pa.list_(pa.string())), *_strings("created", "updated", *IDENTIFIER_COLUMNS, "values_json"),
    ("associations_json", pa.string()),   # the product's associations: what `associations` adds to
    ("parent", pa.string()),              # a variant product's product model (sub-model or root), else null
])
PRODUCT_MODELS_SCHEMA = pa.schema(_strings("code", "parent", "family", "family_variant", "values_json"))
MODEL_NOTES_SCHEMA = pa.schema(_strings("model", "attribute", "locale", "scope", "kind", "chosen_from",
                                        "variants", "message"))
ENRICHED_RECORD_SCHEMA = pa.schema([pa.field("identifier", pa.string()), *RECORD_SCHEMA])
LOOKUP_SCHEMA = pa.schema([
    *_strings("identifier", "outcome", "matched_by"), ("icecat_id", pa.int64()),
    ("languages", pa.list_(pa.string())), ("message", pa.string()), ("updated", pa.timestamp("s")),
])
QUARANTINE_SCHEMA = pa.schema(_strings("identifier", "lang", "rule", "expectation", "column", "message"))
REJECTED_SCHEMA = pa.schema(_strings(*_VALUE_KEY, "kind", "message"))
MEDIA_SCHEMA = pa.schema(_strings(*_VALUE_KEY, "url", "source"))
ASSETS_SCHEMA = pa.schema([*_strings(*_VALUE_KEY, "family", "source"), ("urls", pa.list_(pa.string()))])
MANUAL_EDITS_SCHEMA = pa.schema(_strings(*_VALUE_KEY, "ours", "theirs"))
RESULTS_SCHEMA = pa.schema([
    *_strings("identifier", "batch"), ("line", pa.int32()), ("status_code", pa.int32()),
    *_strings("message", "errors_json", "kind"), ("attempts", pa.int32()),
])
REFUSED_SCHEMA = pa.schema([
    *_strings(*_VALUE_KEY), ("status_code", pa.int32()), *_strings("message", "kind", "batch"),
    ("line", pa.int32()), ("attempt", pa.int32()),
])
DIFF_SCHEMA = pa.schema(_strings(*_VALUE_KEY, "change", "before", "after"))


def artifact_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a Parquet artifact; none when its step wrote none (not run, or nothing to say)."""
    return pq.read_table(path).to_pylist() if path.exists() else []


class ParquetStream:
    """Rows to one Parquet file, a row group every `rows_per_group` rows, under `<name>.tmp` until `close()`
    renames it: memory stays flat for any number of rows and the file is whole or absent. As a context manager
    it closes on success and discards the temporary file on error. Rows wait as Python dicts only
    `PYTHON_ROWS` at a time, then in Arrow form (a record's dicts are ~5x its Arrow size), so a group can be
    large: a reader holds every group's metadata, which grows with the number of groups."""

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.schema, self.rows_per_group = path, schema, rows_per_group
        self._tmp = path.with_name(path.name + ".tmp")
        self._writer = pq.ParquetWriter(self._tmp, schema)
        self._rows: list[dict[str, Any]] = []
        self._tables: list[pa.Table] = []
        self._buffered = 0
        self.rows_written = 0

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        self.rows_written += 1
        if len(self._rows) >= min(PYTHON_ROWS, self.rows_per_group - self._buffered):
            self._to_arrow()
            if self._buffered >= self.rows_per_group:
                self._flush()

    def _to_arrow(self) -> None:
        if self._rows:
            self._tables.append(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._buffered += len(self._rows)
            self._rows = []

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def add_table(self, table: pa.Table) -> None:
        """Rows already in Arrow form (a row group of another file of this artifact), written as they are:
        turning them into Python dicts and back cost a 10k run's records merge 2.1 GB and most of its time.
        A column the table lacks is written as nulls."""
        self._flush()
        columns = [table.column(field.name).cast(field.type) if field.name in table.column_names
                   else pa.nulls(table.num_rows, field.type) for field in self.schema]
        self._writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
        self.rows_written += table.num_rows

    def close(self) -> None:
        self._flush()
        self._writer.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def _flush(self) -> None:
        self._to_arrow()
        if self._tables:
            self._writer.write_table(pa.concat_tables(self._tables))
            self._tables, self._buffered = [], 0

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


@dataclass(frozen=True)
class Artifact:
    """One file a step writes into its folder of the run; `schema` for the Parquet ones."""

    step: Step
    name: str
    schema: pa.Schema | None = None

    def path(self, run_dir: str | os.PathLike[str]) -> Path:
        return Path(run_dir) / self.step / self.name

    def rows(self, run_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
        return artifact_rows(self.path(run_dir))

    def stream(self, run_dir: str | os.PathLike[str], rows_per_group: int = ROWS_PER_GROUP) -> ParquetStream:
        if self.schema is None:
            raise TypeError(f"{self.step}/{self.name} is not a Parquet artifact")
        return ParquetStream(self.path(run_dir), self.schema, rows_per_group)

    def write(self, run_dir: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> Path:
        """All rows at once (a step that builds its rows in memory anyway)."""
        with self.stream(run_dir) as out:
            out.extend(rows)
        return out.path


PRODUCTS = Artifact(Step.EXTRACT, "products.parquet", PRODUCTS_SCHEMA)
TAXONOMY = Artifact(Step.EXTRACT, "taxonomy.json")
AKENEO_API = Artifact(Step.EXTRACT, "akeneo_api.json")  # the products API this run uses (uuid/identifier)
PRODUCT_MODELS = Artifact(Step.EXTRACT, "product_models.parquet", PRODUCT_MODELS_SCHEMA)
"""The root and sub-models the selected variant products hang from, with their values (GET shows the root's
values merged into a sub-model's), for the diff of model lines."""
FAMILY_VARIANTS = Artifact(Step.EXTRACT, "family_variants.json")  # {family variant code: its attribute sets}
SHARDS = Artifact(Step.EXTRACT, "shards.json")  # how extract cut the selection (steps/shards.py)
RECORDS = Artifact(Step.ENRICH, "records.parquet", ENRICHED_RECORD_SCHEMA)
LOOKUPS = Artifact(Step.ENRICH, "lookups.parquet", LOOKUP_SCHEMA)
QUARANTINE = Artifact(Step.VALIDATE, "quarantine.parquet", QUARANTINE_SCHEMA)
MEDIA = Artifact(Step.TRANSFORM, "media.parquet", MEDIA_SCHEMA)
ASSETS = Artifact(Step.TRANSFORM, "assets.parquet", ASSETS_SCHEMA)
"""Asset collection values: the file URLs (in order) that load makes assets of `family` (steps/assets.py)."""
REJECTED = Artifact(Step.TRANSFORM, "rejected.parquet", REJECTED_SCHEMA)
MANUAL_EDITS = Artifact(Step.TRANSFORM, "manual_edits.parquet", MANUAL_EDITS_SCHEMA)
MODEL_NOTES = Artifact(Step.TRANSFORM, "model_notes.parquet", MODEL_NOTES_SCHEMA)
"""Per product model: variants that disagree on a model-level value, axis values Icecat would change, models
none of whose variants Icecat matched, media not written on a model (`catalog.levels`, `steps.model_values`)."""
RESULTS = Artifact(Step.LOAD, "results.parquet", RESULTS_SCHEMA)
REFUSED = Artifact(Step.LOAD, "refused.parquet", REFUSED_SCHEMA)
"""Every line Akeneo refused or never got, of every load attempt of the run (one row per value error)."""
LOAD_ATTEMPTS = Artifact(Step.LOAD, "attempts.json")
"""One entry per load attempt of the run (a retried or cleared load task adds one): lines sent, by status."""
COMPLETENESS = Artifact(Step.LOAD, "completeness.json")  # Akeneo completeness before / after load
DRY_RUN_DIFF = Artifact(Step.LOAD, "dry_run_diff.parquet", DIFF_SCHEMA)
DRY_RUN_DIFF_NDJSON = Artifact(Step.LOAD, "dry_run_diff.ndjson")


def step_dir(run_dir: str | os.PathLike[str], step: Step | str) -> Path:
    return Path(run_dir) / Step(step)


def step_report(run_dir: str | os.PathLike[str], step: Step | str) -> Path:
    """The JSON report a step saves beside its artifacts (also when it fails with a partial report)."""
    return step_dir(run_dir, step) / STEP_REPORT


def batch_path(run_dir: str | os.PathLike[str], number: int) -> Path:
    """The n-th NDJSON file of PATCH lines the transform writes (numbered from 1)."""
    return step_dir(run_dir, Step.TRANSFORM) / f"batch-{number:04d}.ndjson"


def batch_files(run_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """The transform's NDJSON batches in the order they were written."""
    yield from sorted(step_dir(run_dir, Step.TRANSFORM).glob(BATCH_GLOB))


def model_batch_path(run_dir: str | os.PathLike[str], number: int) -> Path:
    """The n-th NDJSON file of product-model PATCH lines (`{"code", "values"}`), numbered from 1."""
    return step_dir(run_dir, Step.TRANSFORM) / f"models-batch-{number:04d}.ndjson"


def model_batch_files(run_dir: str | os.PathLike[str]) -> Iterator[Path]:
    yield from sorted(step_dir(run_dir, Step.TRANSFORM).glob(MODEL_BATCH_GLOB))
