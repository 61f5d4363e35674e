"""Benchmarks of the connector against the sandboxes (`make bench`); each module runs alone too. See README.md."""
