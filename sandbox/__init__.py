"""Local stand-ins for the Akeneo REST API and the Icecat product APIs.

They are part of the product: the demo, every test and every benchmark run on them. They import nothing
from the connector (`icecat_akeneo`), so a bug cannot hide on both sides of the wire at once.
"""
