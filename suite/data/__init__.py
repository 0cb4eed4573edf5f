"""Corpora, vocabularies and length-bucketed batches."""
