"""Reproduction suite for variational text-generation papers."""

__version__ = "0.1.0"
