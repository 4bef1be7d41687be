"""Searching an index: the query parser and plan, matching and scoring, facets, highlighting, ``Index``."""
