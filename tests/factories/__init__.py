"""Factories for the test data (docs STYLE §9): one function per kind of thing, with the
defaults of docs/product.md §1's people, so a fixture says only what is particular to it."""
