"""`make demo`: one full sync of the demo client against the two sandboxes, on Airflow's embedded default
(SQLite metadata DB, local files), then a summary a person can read."""
