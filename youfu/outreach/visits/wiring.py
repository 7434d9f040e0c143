"""What visits adds to the shared pages: person card, work items, menu."""


def register() -> None:
    pass
