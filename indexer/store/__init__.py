"""The index on disk: an atomic, versioned folder of segments (passages, vectors, BM25
postings) listed by its manifest (`manifest.Manifest`), the FAISS choices, and loading an
index into memory (`index.load_index`), typed by what the search core reads (`parts`).

May import `indexer.models` and `rapportsok`'s foundations; never reading
(`indexer.reading`) or a command line.
"""
