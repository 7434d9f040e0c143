"""结对帮扶 departments paired with households: models."""

__all__: list[str] = []
