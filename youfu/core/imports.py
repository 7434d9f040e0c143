"""The shape every all-or-nothing import shares: row-level errors, rejected as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from youfu.core.errors import InvalidInput
from youfu.core.messages import Message


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (header = 1)
    column: str
    message: Message

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message.bilingual(),
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message.bilingual()}"


class ImportRejected(InvalidInput):
    """One bad row rejects the whole file; nothing is written."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(
            Message(
                gettext_noop("The file was rejected: %(count)d error(s); nothing was imported."),
                {"count": len(self.errors)},
            )
        )

    def envelope(self) -> dict[str, Any]:
        body = super().envelope()
        body["error"]["rows"] = [e.as_dict() for e in self.errors]
        return body
