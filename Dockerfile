# Image for docker-compose.yaml: Airflow 3 with the connector's pinned requirements; the code is mounted.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir -r /requirements.txt
ENV PYTHONPATH=/opt/airflow/plugins:/opt/airflow/repo
