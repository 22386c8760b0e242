"""Blob storage port for uploaded files, and the local-disk adapter used by default.

Keys are relative, slash-separated names (``products/prd_x/img_y.png``); the adapter decides
where the bytes live and which URL serves them, so an S3 adapter can replace it later.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Protocol

from services.kernel.errors import NotFound

_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z0-9]{2,5}$")


class BlobNotFound(NotFound):
    code = "media_not_found"


class BlobStorage(Protocol):
    """Where uploaded files are kept and how they are reached."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (overwriting)."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`BlobNotFound` if there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""
        ...

    def url(self, key: str) -> str:
        """The public URL of ``key``."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root (``..``, absolute paths, odd characters)."""
    if not _KEY.fullmatch(key):
        raise BlobNotFound("No such file.", details={"key": key})
    return key


class LocalFileStorage:
    """Files under a directory, served by the app under ``url_prefix`` (``GET /media/{key}``)."""

    def __init__(self, root: Path, url_prefix: str = "/media") -> None:
        self._root = root
        self._prefix = url_prefix.rstrip("/")

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file atomically (temp file, then rename)."""
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        """Read the file."""
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise BlobNotFound("No such file.", details={"key": key}) from None

    async def delete(self, key: str) -> None:
        """Remove the file if it exists."""
        path = self._path(key)
        await asyncio.to_thread(path.unlink, True)

    def url(self, key: str) -> str:
        """``{url_prefix}/{key}``."""
        return f"{self._prefix}/{key}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)
