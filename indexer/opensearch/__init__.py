"""Fahras on OpenSearch: the cluster backend and a local development cluster.

Modules are imported on their own (``indexer.opensearch.devcluster``, ``indexer.opensearch.schema``...)
so that the embedded backend never pays for them.
"""
