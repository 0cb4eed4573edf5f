"""Model building blocks; one family per module, assembled by composition in `build.py`."""
