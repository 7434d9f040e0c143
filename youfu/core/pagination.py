"""Pagination per DESIGN.md §4: ?page=&page_size= (≤ 500) → {"count": n, "results": [...]}.

A page beyond the last answers an empty ``results`` with the true ``count``; a page number
beyond ``MAX_PAGE`` (no list is that long) is a 400, never an overflow in the query."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from youfu.core.bounds import PageNumber

MAX_PAGE_SIZE = 500


class PageNumberPagination(PaginationBase):
    class Input(Schema):
        page: PageNumber = 1
        page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        count: int
        results: list[Any]

    items_attribute: str = "results"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> Any:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": self._items_count(queryset),
            "results": list(queryset[offset : offset + pagination.page_size]),
        }
