"""housing: models."""

__all__: list[str] = []
