"""临时救助 temporary relief: models."""

__all__: list[str] = []
