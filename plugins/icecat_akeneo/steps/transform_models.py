"""The transform's product-model part: routing variants' values to their models, then the model lines.

`model_values.ModelValues` holds the rule (which variant a model's values come from, what is reported); this
module only feeds it extract's files and writes what it decides: `transform/models-batch-*.ndjson` (one
`{"code", "values"}` line per product model with something to send, through the same `values_to_send`
partial-PATCH filter as products, keyed `model:<code>` in the state) and `transform/model_notes.parquet`.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import MODEL_NOTES, PRODUCT_MODELS, PRODUCTS
from icecat_akeneo.catalog.levels import model_key
from icecat_akeneo.diff import Values
from icecat_akeneo.model_values import ModelValues, variants_below
from icecat_akeneo.steps.batches import PRODUCTS_PER_BATCH, parquet_pairs
from icecat_akeneo.steps.extract_models import family_variants
from icecat_akeneo.steps.transform_output import TransformOutputs


def model_values_of_run(run_dir: Path, client: str) -> ModelValues | None:
    """The run's product models and family variants (extract's files); None for a catalogue without models."""
    rows = PRODUCT_MODELS.rows(run_dir)
    if not rows:
        return None
    models = {row["code"]: {**row, "values": json.loads(row["values_json"] or "{}")} for row in rows}
    parents = {code: model["parent"] for code, model in models.items()}
    below = variants_below(parquet_pairs(PRODUCTS.path(run_dir), "identifier", "parent"), parents)
    return ModelValues(models, family_variants(run_dir), below, client)


def write_model_lines(run_dir: Path, models: ModelValues, outputs: TransformOutputs,
                      values_to_send: Callable[[str, Values], Values] | None,
                      on_batch: Callable[[dict[str, Values]], None] | None) -> dict[str, Any]:
    """Each model's line (only values that differ from what Akeneo last accepted, like a product's) and the
    notes; returns the transform report's `variants` part."""
    lines = list(models.model_lines())
    for start in range(0, len(lines), PRODUCTS_PER_BATCH):
        chunk = lines[start:start + PRODUCTS_PER_BATCH]
        if on_batch is not None:
            on_batch({model_key(code): models.models[code]["values"] for code, _ in chunk})
        for code, values in chunk:
            outputs.add_model(code, values_to_send(model_key(code), values) if values_to_send else values)
    notes = [*models.notes, *models.unmatched_notes()]
    path = MODEL_NOTES.write(run_dir, notes)
    return {"variants": {"product_models": len(models.models), "models_with_values": len(lines),
                         "notes_by_kind": dict(Counter(note["kind"] for note in notes)), "notes": str(path)}}
