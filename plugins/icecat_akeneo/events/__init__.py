"""Near-real-time runs: Akeneo product events (polled or delivered by webhook) become asset events that
schedule `icecat_sync_new__<client>` for just those products.

- `poll`: one cheap Akeneo search since the durable cursor, minus the connector's own writes;
- `trigger`: the Airflow event trigger the asset watcher runs in the triggerer (poll + emit the queue);
- `webhook`: Akeneo Events API deliveries: signature, replay window, body -> queued events;
- `serving`: what an event run serves, from the asset events that triggered it.
The queue and cursor live in the state store (`icecat_akeneo.state.events`).
"""
