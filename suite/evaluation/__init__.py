"""Run a trained model over a dataset split and compute the paper's metrics."""
