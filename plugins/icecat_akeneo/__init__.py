"""Icecat -> Akeneo connector: pure logic for the five steps (extract, enrich, validate, transform, load).

Nothing in this package imports Airflow at module level except `icecat_akeneo.hooks`; the DAGs in `dags/`
are thin wiring on top.
"""
