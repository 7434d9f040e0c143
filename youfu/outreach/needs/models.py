"""困难排查 needs-check rounds and their findings: models."""

__all__: list[str] = []
