"""Rapportsök: semantic search and question answering over Swedish municipal reports.

This package is both the top and the bottom of the layers: `rapportsok.cli` collects the
subcommands of every package (and may import them all), while `rapportsok.settings`,
`rapportsok.limits`, `rapportsok.errors`, `rapportsok.places` and `rapportsok.text` are
foundations that every package may import (they import nothing of ours above them). See
`.importlinter`.
"""
