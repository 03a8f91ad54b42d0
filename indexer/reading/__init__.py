"""Reading a report: a file (PDF, text, Markdown) becomes a `Source`, its metadata a `Document`,
its sections and verbatim passages `Chunk`s.

Owns: file formats, PDF layout (columns, tables, running headers, OCR), sections, chunking
and the metadata read from a report. May import `indexer.models`, `rapportsok.text` and
`rapportsok.errors`; never the index on disk (`indexer.store`), the model or a command line.
"""
