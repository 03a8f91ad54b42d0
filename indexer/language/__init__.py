"""Swedish language: the analyzer that turns text into BM25 terms (lemmas, compound parts,
stop words) and the per-install cache of its word lists.

May import `rapportsok.errors`; never reading, the model, the index on disk or a command line.
"""
