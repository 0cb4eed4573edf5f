"""Metric estimators as small pure functions (tensors or token lists in, numbers out)."""
