"""Product images: checked by their bytes, kept by the storage adapter, listed on the product."""

from __future__ import annotations

from services.catalog.base import MAX_IMAGES_PER_PRODUCT, CatalogBase
from services.catalog.errors import ImageNotFound, TooManyImages
from services.catalog.images import sniff_image
from services.catalog.models import ProductImage
from services.catalog.schemas import ImageOut
from services.catalog.views import image_out
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id


class ImageCommands(CatalogBase):
    """Upload and remove images of products the actor manages."""

    async def add_image(self, actor: Actor, product_id: str, data: bytes) -> ImageOut:
        """Store a JPEG or PNG (415 otherwise, 413 when over the size limit) for a product."""
        async with self._uow() as uow:
            product = await self._managed_product(uow, actor, product_id)
            content_type, extension = sniff_image(data, self._image_max_bytes)
            images = await uow.catalog.images_of(product.id)
            if len(images) >= MAX_IMAGES_PER_PRODUCT:
                raise TooManyImages(
                    f"A product may have at most {MAX_IMAGES_PER_PRODUCT} images.",
                    details={"product_id": product.id},
                )
            image_id = new_id("img")
            image = ProductImage(
                id=image_id,
                product_id=product.id,
                storage_key=f"products/{product.id}/{image_id}.{extension}",
                content_type=content_type,
                size_bytes=len(data),
                position=max((i.position for i in images), default=-1) + 1,
                created_at=self._clock.now(),
            )
            await self._storage.put(image.storage_key, data, content_type)
            try:
                uow.catalog.add(image)
                uow.emit(
                    DomainEvent(
                        "product.updated",
                        product.id,
                        {"product_id": product.id, "image_id": image.id, "fields": ["images"]},
                    )
                )
                await uow.commit()
            except BaseException:
                await self._storage.delete(image.storage_key)
                raise
        return image_out(image, self._storage.url)

    async def delete_image(self, actor: Actor, product_id: str, image_id: str) -> None:
        """Remove an image from a product and from storage."""
        async with self._uow() as uow:
            product = await self._managed_product(uow, actor, product_id)
            image = await uow.catalog.get_image(product.id, image_id)
            if image is None:
                raise ImageNotFound("No such image.", details={"image_id": image_id})
            await uow.catalog.delete_image(image)
            uow.emit(
                DomainEvent(
                    "product.updated",
                    product.id,
                    {"product_id": product.id, "image_id": image.id, "fields": ["images"]},
                )
            )
            await uow.commit()
        # After the commit: a failed commit must not lose a file the row still points to.
        await self._storage.delete(image.storage_key)
