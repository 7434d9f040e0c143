"""走访慰问 visit campaigns: models."""

__all__: list[str] = []
