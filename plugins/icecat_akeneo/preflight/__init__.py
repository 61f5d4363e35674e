"""Pre-production: everything a client's onboarding checklist asks, answered with evidence.

- `taxonomy`: a read-only view over the client's Akeneo catalogue structure (shared with the transform);
  `compatibility`: which Icecat source fits which attribute type; `samples`: Icecat records folded per feature.
- Option 1 `mapping_check`: is the integrator's mapping writable? Option 2 `suggest` (+ `similarity`): draft a
  mapping from Icecat samples. Option 3 `icecat_taxonomy`: push Icecat's own taxonomy as `icecat_*` attributes.
- `api_tests`: the API technical tests; `taxonomy_snapshot`: versioned snapshots + drift; `filters`: dry-run of
  the selection; `readiness`: the report and the `run_preflight` / `suggest_mapping` entry points.
Nothing here imports Airflow.
"""
