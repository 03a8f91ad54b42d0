"""The HTTP API of Rapportsök: hybrid search and extractive answers with citations."""
