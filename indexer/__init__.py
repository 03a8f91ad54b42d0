"""Rapportsök indexer: reports → section-aware chunks → FAISS + BM25 index on disk."""
