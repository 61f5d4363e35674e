"""A strict local stand-in for the Akeneo PIM REST API (5.0 - 7.0 / SaaS behaviour).

Every integration test, the demo and the benchmarks talk to this server instead of a real Akeneo, so it
answers with Akeneo's own status codes and error bodies (422 per batch line, 413 above 100 lines, 401 after
token expiry, 429 with or without Retry-After) rather than being lenient. See README.md for the contract.
"""
