"""Row declarations, one module per paper."""
