"""Rapportsök evaluation: a question set over the corpus and pure retrieval metrics."""
