"""Page requests and page results shared by every list endpoint and tool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from services.kernel.errors import BadRequest

T = TypeVar("T")

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Page number (from 1) and page size (1..100)."""

    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        if self.page < 1:
            raise BadRequest("page must be 1 or more", details={"page": self.page})
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise BadRequest(
                f"page_size must be between 1 and {MAX_PAGE_SIZE}",
                details={"page_size": self.page_size},
            )

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        """Rows to take."""
        return self.page_size


class Page(BaseModel, Generic[T]):
    """One page of results with the total count."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages there are in all."""
        return (self.total + self.page_size - 1) // self.page_size
