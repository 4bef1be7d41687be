"""Text analysis: Arabic normalization, stemming, stop words, spelling variants and the Whoosh analyzers.

Imports nothing of Fahras but ``config`` and ``errors``: ingestion, storage and search all build on it.
"""
