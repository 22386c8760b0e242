"""Imports every table so that migrations and metadata see the whole schema."""

from services.kernel.events import OutboxEvent

__all__ = ["OutboxEvent"]
