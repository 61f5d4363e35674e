"""Pre-production: everything a client's onboarding checklist asks, answered with evidence.

Modules: `taxonomy` (a read-only view over the client's Akeneo catalogue structure), `mapping_check`
(option 1: is the mapping writable?), `suggest` (option 2: draft a mapping from Icecat samples),
`icecat_taxonomy` (option 3: push Icecat's own taxonomy as `icecat_*` attributes), `api_tests` (the API
technical tests), `taxonomy_snapshot` (versioned snapshots + drift), `filters` (dry-run of the selection) and
`readiness` (the report and the `run_preflight` orchestration). Nothing here imports Airflow.
"""
