"""Fahras (فهرس): an Arabic-first local search engine for news documents.

The public Python API::

    from indexer import update_index, open_index

    report = update_index(["my-articles/"], "my-index")     # incremental
    index = open_index("my-index")
    result = index.search("مسيرة", sources=["الجزيرة"], since="2024-01-01")
    for hit in result.hits:
        print(hit.title, hit.snippet)
"""

from indexer.search.engine import Ranking
from indexer.errors import (
    DocumentNotFound,
    FahrasError,
    IndexLocked,
    IndexNotFound,
    QueryError,
    StaleIndex,
)
from indexer.build.update import IndexReport
from indexer.config import bundled_seeds_dir, default_index_dir
from indexer.models import Document, Facet, FacetValue, Hit, SearchResult
# update_index: indexer.api's, which sends an opensearch+http(s):// location to the cluster writer.
from indexer.api import Index, open_index, update_index

__all__ = [
    "Document",
    "DocumentNotFound",
    "Facet",
    "FacetValue",
    "FahrasError",
    "Hit",
    "Index",
    "IndexLocked",
    "IndexNotFound",
    "IndexReport",
    "QueryError",
    "Ranking",
    "SearchResult",
    "StaleIndex",
    "bundled_seeds_dir",
    "default_index_dir",
    "open_index",
    "update_index",
]
