"""走访慰问 visit campaigns."""
