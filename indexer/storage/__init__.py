"""Storage: the Whoosh schema and segments (the only package that touches Whoosh internals), the SQLite side
store, index generations and the writer lock.
"""
