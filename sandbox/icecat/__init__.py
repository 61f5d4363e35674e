"""A local stand-in for Icecat (JSON product API, XML interface, index files, media, data creation).

It serves real Icecat responses copied into `samples/` so that the connector is developed and tested
against what Icecat really sends, including its errors, without network access or an Icecat account.
"""
