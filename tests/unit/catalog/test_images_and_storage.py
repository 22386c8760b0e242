"""Uploads are judged by their bytes; storage keys cannot leave the storage root."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.catalog.errors import EmptyImage, ImageTooLarge, UnsupportedImageType
from services.catalog.images import sniff_image
from services.storage import BlobNotFound, LocalFileStorage, check_key

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 10
JPEG = b"\xff\xd8\xff\xdb" + b"\x00" * 10


def test_png_and_jpeg_are_recognised_by_magic_bytes() -> None:
    assert sniff_image(PNG, 1024) == ("image/png", "png")
    assert sniff_image(JPEG, 1024) == ("image/jpeg", "jpg")


@pytest.mark.parametrize("data", [b"GIF89a....", b"%PDF-1.7", b"<svg/>", b"\x89PNX\r\n"])
def test_other_formats_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImageType) as caught:
        sniff_image(data, 1024)
    assert caught.value.status_code == 415


def test_empty_upload_is_a_bad_request() -> None:
    with pytest.raises(EmptyImage):
        sniff_image(b"", 1024)


def test_size_limit_applies_before_the_format_check() -> None:
    with pytest.raises(ImageTooLarge) as caught:
        sniff_image(b"x" * 1025, 1024)
    assert caught.value.status_code == 413
    assert sniff_image(PNG + b"\x00" * (1024 - len(PNG)), 1024)[0] == "image/png"


@pytest.mark.parametrize(
    "key", ["../secret.png", "/etc/passwd.png", "a/../../b.png", "a//b.png", "noext", "a/b.PNG "]
)
def test_keys_that_could_escape_the_root_are_refused(key: str) -> None:
    with pytest.raises(BlobNotFound):
        check_key(key)


async def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path, "/media/")
    await storage.put("products/prd_1/img_1.png", PNG, "image/png")
    assert await storage.get("products/prd_1/img_1.png") == PNG
    assert storage.url("products/prd_1/img_1.png") == "/media/products/prd_1/img_1.png"
    await storage.delete("products/prd_1/img_1.png")
    await storage.delete("products/prd_1/img_1.png")
    with pytest.raises(BlobNotFound):
        await storage.get("products/prd_1/img_1.png")
