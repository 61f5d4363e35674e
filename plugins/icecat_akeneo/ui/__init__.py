"""The run reports in the Airflow UI: a FastAPI app the api-server mounts (`app.py`), the files it may serve
(`files.py`, no Airflow), and the task buttons that open a run's report (`links.py`). Registered by the
plugin file `plugins/icecat_akeneo_ui.py`.
"""
