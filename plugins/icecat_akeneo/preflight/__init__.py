"""Pre-production: everything a client's onboarding checklist asks, answered with evidence.

- The taxonomy view, type compatibility and snapshots are the sync's vocabulary: they live in
  `icecat_akeneo.catalog`, which this package imports. `samples`: Icecat records folded per feature.
- Option 1 `mapping_check`: is the integrator's mapping writable? Option 2 `suggest` (+ `similarity`): draft a
  mapping from Icecat samples. Option 3 `icecat_taxonomy`: push Icecat's own taxonomy as `icecat_*` attributes.
- `api_tests` (+ `api_session`, `api_writes`): the API technical tests; `filters`: dry-run of the selection;
  `readiness`: the report; `runner`: the `run_preflight` / `suggest_mapping` entry points.
Nothing here imports Airflow or a sync step; only the preflight DAG, `tasks.py` and the CLI import this package.
"""
