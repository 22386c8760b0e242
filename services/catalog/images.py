"""Checking uploaded product images by their bytes, never by the name or declared type."""

from __future__ import annotations

from services.catalog.errors import EmptyImage, ImageTooLarge, UnsupportedImageType

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff_image(data: bytes, max_bytes: int) -> tuple[str, str]:
    """The content type and file extension of a JPEG or PNG upload.

    Raises :class:`EmptyImage` (400), :class:`ImageTooLarge` (413) or
    :class:`UnsupportedImageType` (415).
    """
    if not data:
        raise EmptyImage("The uploaded file is empty.")
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"Images may be at most {max_bytes} bytes.", details={"max_bytes": max_bytes}
        )
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    raise UnsupportedImageType(
        "Only JPEG and PNG images are accepted.", details={"accepted": ["image/jpeg", "image/png"]}
    )
