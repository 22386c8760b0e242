"""Addresses: ownership, exactly one default, and promotion when the default goes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.kernel.actor import Actor
from services.users.addresses import MAX_ADDRESSES
from services.users.errors import AddressNotFound, LimitReached
from services.users.schemas import AddressIn, AddressOut, AddressPatch
from tests.unit.users.conftest import Harness


def _address(recipient: str = "Ann Lee", **overrides: Any) -> AddressIn:
    values: dict[str, object] = {
        "recipient": recipient,
        "line1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": "US",
    }
    values.update(overrides)
    return AddressIn.model_validate(values)


async def _add(harness: Harness, actor: Actor, recipient: str) -> AddressOut:
    harness.clock.advance(seconds=1)
    return await harness.service.add_address(actor, _address(recipient))


async def _defaults(harness: Harness, actor: Actor) -> list[str]:
    return [a.recipient for a in await harness.service.list_addresses(actor) if a.is_default]


async def test_first_address_becomes_the_default(harness: Harness) -> None:
    actor = await harness.register()
    first = await _add(harness, actor, "First")
    second = await _add(harness, actor, "Second")
    assert first.is_default
    assert not second.is_default
    assert await _defaults(harness, actor) == ["First"]


async def test_adding_with_is_default_moves_the_default(harness: Harness) -> None:
    actor = await harness.register()
    await _add(harness, actor, "First")
    added = await harness.service.add_address(actor, _address("Second", is_default=True))
    assert added.is_default
    assert await _defaults(harness, actor) == ["Second"]


async def test_set_default_moves_the_default(harness: Harness) -> None:
    actor = await harness.register()
    await _add(harness, actor, "First")
    second = await _add(harness, actor, "Second")
    assert (await harness.service.set_default_address(actor, second.id)).is_default
    assert await _defaults(harness, actor) == ["Second"]


async def test_deleting_the_default_promotes_the_oldest_remaining(harness: Harness) -> None:
    actor = await harness.register()
    first = await _add(harness, actor, "First")
    await _add(harness, actor, "Second")
    await _add(harness, actor, "Third")
    await harness.service.delete_address(actor, first.id)
    assert await _defaults(harness, actor) == ["Second"]


async def test_deleting_another_address_keeps_the_default(harness: Harness) -> None:
    actor = await harness.register()
    await _add(harness, actor, "First")
    second = await _add(harness, actor, "Second")
    await harness.service.delete_address(actor, second.id)
    assert await _defaults(harness, actor) == ["First"]


async def test_deleting_the_last_address_leaves_none(harness: Harness) -> None:
    actor = await harness.register()
    only = await _add(harness, actor, "Only")
    await harness.service.delete_address(actor, only.id)
    assert await harness.service.list_addresses(actor) == []


async def test_update_changes_only_the_given_fields(harness: Harness) -> None:
    actor = await harness.register()
    address = await _add(harness, actor, "First")
    patch = AddressPatch.model_validate({"city": "Shelbyville", "line2": "Apt 2"})
    updated = await harness.service.update_address(actor, address.id, patch)
    assert (updated.city, updated.line2, updated.line1) == ("Shelbyville", "Apt 2", "1 Main St")


async def test_another_users_address_is_not_found(harness: Harness) -> None:
    owner = await harness.register()
    other = await harness.register()
    address = await _add(harness, owner, "Mine")
    patch = AddressPatch.model_validate({"city": "X"})
    for attempt in (
        harness.service.get_address(other, address.id),
        harness.service.update_address(other, address.id, patch),
        harness.service.delete_address(other, address.id),
        harness.service.set_default_address(other, address.id),
    ):
        with pytest.raises(AddressNotFound):
            await attempt
    assert (await harness.service.get_address(owner, address.id)).recipient == "Mine"


async def test_addresses_are_limited_per_user(harness: Harness) -> None:
    actor = await harness.register()
    for number in range(MAX_ADDRESSES):
        await harness.service.add_address(actor, _address(f"R{number}"))
    with pytest.raises(LimitReached):
        await harness.service.add_address(actor, _address("One too many"))


@pytest.mark.parametrize(
    "overrides",
    [{"recipient": ""}, {"zip": "1" * 21}, {"line1": "x" * 201}, {"country": "U"}, {"extra": 1}],
)
def test_address_fields_have_length_limits(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _address(**overrides)


def test_patch_cannot_null_a_field() -> None:
    with pytest.raises(ValidationError, match="cannot be null"):
        AddressPatch.model_validate({"city": None})
