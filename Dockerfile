# Image for docker-compose.yaml: Airflow 3 with the connector's runtime, the sandboxes' server and the production
# extras (Celery provider, Redis client, PostgreSQL drivers), installed against requirements/constraints.txt (the
# versions that install together with the pinned Airflow on Python 3.11); no test tools. The connector itself is
# installed as a package, so Airflow finds its provider entry point (connection types akeneo and icecat).
# The code is also mounted at /opt/airflow/plugins, which comes first on PYTHONPATH: edits apply without a
# rebuild; a rebuild is needed only when pyproject.toml (the entry point) or a requirement changes.
FROM apache/airflow:3.3.2-python3.11
COPY requirements /requirements
RUN pip install --no-cache-dir -c /requirements/constraints.txt \
    -r /requirements/runtime.txt -r /requirements/sandbox.txt -r /requirements/prod.txt
COPY --chown=airflow:0 pyproject.toml /opt/airflow/connector/pyproject.toml
COPY --chown=airflow:0 plugins/icecat_akeneo /opt/airflow/connector/plugins/icecat_akeneo
RUN pip install --no-cache-dir --no-deps /opt/airflow/connector
ENV PYTHONPATH=/opt/airflow/plugins:/opt/airflow/repo
