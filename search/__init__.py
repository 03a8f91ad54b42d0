"""The search core: hybrid retrieval, query understanding and the answer reader.

Used in-process by the API (`service`), the evaluation and the benchmarks; imports only
`indexer` and the foundations (`rapportsok.settings`, `rapportsok.text`).
"""
