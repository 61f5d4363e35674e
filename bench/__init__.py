"""Benchmarks of the connector against the sandboxes (`make bench`); each module also runs alone.

See README.md for what each one measures.
"""
