"""/users/me (account, addresses, payment methods) and /admin users and gift cards over HTTP."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.bootstrap import Container
from services.users.schemas import RoleName
from tests.e2e.accounts import Session, sign_in_as, sign_up
from tests.e2e.conftest import error_code

CARD_NUMBER = "4242424242424242"
CARD = {
    "type": "card",
    "number": "4242 4242 4242 4242",
    "exp_month": 12,
    "exp_year": 2040,
    "cvc": "321",
}


def _address(recipient: str = "Ann Lee", **overrides: Any) -> dict[str, Any]:
    return {
        "recipient": recipient,
        "line1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": "US",
        **overrides,
    }


async def _add_address(
    client: httpx.AsyncClient, session: Session, recipient: str
) -> dict[str, Any]:
    response = await client.post(
        "/users/me/addresses", headers=session.headers, json=_address(recipient)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _issue_gift_card(
    client: httpx.AsyncClient, admin: Session, amount: int = 5000
) -> dict[str, Any]:
    response = await client.post(
        "/admin/gift-cards", headers=admin.headers, json={"amount": amount, "currency": "USD"}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _defaults(client: httpx.AsyncClient, session: Session) -> list[str]:
    listed = (await client.get("/users/me/addresses", headers=session.headers)).json()
    return [address["recipient"] for address in listed if address["is_default"]]


# account


async def test_me_returns_the_signed_in_user(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.get("/users/me", headers=session.headers)
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["email"]) == (session.user_id, session.email)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/me"),
        ("GET", "/users/me/addresses"),
        ("POST", "/users/me/addresses"),
        ("PATCH", "/users/me/addresses/adr_x"),
        ("DELETE", "/users/me/addresses/adr_x"),
        ("POST", "/users/me/addresses/adr_x/default"),
        ("GET", "/users/me/payment-methods"),
        ("POST", "/users/me/payment-methods"),
        ("DELETE", "/users/me/payment-methods/pm_x"),
        ("GET", "/admin/users"),
        ("GET", "/admin/users/usr_x"),
        ("PATCH", "/admin/users/usr_x"),
        ("POST", "/admin/users/usr_x/ban"),
        ("POST", "/admin/users/usr_x/unban"),
        ("POST", "/admin/gift-cards"),
    ],
)
async def test_every_route_needs_a_token(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


# addresses


async def test_address_lifecycle_keeps_exactly_one_default(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    first = await _add_address(client, session, "First")
    second = await _add_address(client, session, "Second")
    assert first["is_default"]
    assert not second["is_default"]
    patched = await client.patch(
        f"/users/me/addresses/{second['id']}", headers=session.headers, json={"city": "Shelbyville"}
    )
    assert patched.status_code == 200
    assert (patched.json()["city"], patched.json()["line1"]) == ("Shelbyville", "1 Main St")
    default = await client.post(
        f"/users/me/addresses/{second['id']}/default", headers=session.headers
    )
    assert default.json()["is_default"]
    assert await _defaults(client, session) == ["Second"]
    deleted = await client.delete(f"/users/me/addresses/{second['id']}", headers=session.headers)
    assert deleted.status_code == 204
    assert await _defaults(client, session) == ["First"]


async def test_another_users_address_is_404(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "owner")
    other = await sign_up(client, "other")
    address = await _add_address(client, owner, "Mine")
    path = f"/users/me/addresses/{address['id']}"
    for response in (
        await client.patch(path, headers=other.headers, json={"city": "X"}),
        await client.delete(path, headers=other.headers),
        await client.post(f"{path}/default", headers=other.headers),
    ):
        assert response.status_code == 404
        assert error_code(response) == "address_not_found"
    assert (await client.get("/users/me/addresses", headers=other.headers)).json() == []
    assert len((await client.get("/users/me/addresses", headers=owner.headers)).json()) == 1


@pytest.mark.parametrize(
    "body",
    [
        _address(zip="1" * 21),
        _address(recipient=""),
        _address(line1="x" * 201),
        _address(extra="field"),
        {"recipient": "Only a name"},
    ],
)
async def test_invalid_address_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    session = await sign_up(client)
    response = await client.post("/users/me/addresses", headers=session.headers, json=body)
    assert response.status_code == 422


async def test_address_patch_cannot_null_a_required_field(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    address = await _add_address(client, session, "Ann")
    response = await client.patch(
        f"/users/me/addresses/{address['id']}", headers=session.headers, json={"city": None}
    )
    assert response.status_code == 422


# payment methods


async def test_card_is_saved_as_brand_and_last_four_only(
    client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = await sign_up(client)
    response = await client.post("/users/me/payment-methods", headers=session.headers, json=CARD)
    assert response.status_code == 201
    method = response.json()
    assert (method["kind"], method["label"], method["last4"]) == (
        "card",
        "Visa ending 4242",
        "4242",
    )
    assert "token" not in str(method)
    listed = await client.get("/users/me/payment-methods", headers=session.headers)
    assert [m["id"] for m in listed.json()] == [method["id"]]
    async with container.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM payment_methods"))).all()
    stored = repr(rows)
    assert CARD_NUMBER not in stored
    assert "'321'" not in stored
    assert CARD_NUMBER not in response.text + listed.text
    assert CARD_NUMBER not in caplog.text


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"number": "4242 4242 4242 4241"}, "invalid_card"),
        ({"exp_year": 2020}, "card_expired"),
        ({"cvc": "1a3"}, "invalid_card"),
    ],
)
async def test_invalid_card_is_422_with_a_reason(
    client: httpx.AsyncClient, changes: dict[str, Any], code: str
) -> None:
    session = await sign_up(client)
    response = await client.post(
        "/users/me/payment-methods", headers=session.headers, json={**CARD, **changes}
    )
    assert response.status_code == 422
    assert error_code(response) == code
    assert "4242" not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"type": "bitcoin", "address": "x"},
        {**CARD, "extra": 1},
        {**CARD, "exp_month": 13},
        {"type": "paypal", "email": "nope"},
    ],
)
async def test_malformed_payment_method_is_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    session = await sign_up(client)
    response = await client.post("/users/me/payment-methods", headers=session.headers, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


async def test_gift_card_is_redeemed_once_and_shows_its_balance(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await sign_in_as(client, container, "admin")
    issued = await _issue_gift_card(client, admin, 5000)
    assert issued["balance"] == {"amount": 5000, "currency": "USD", "formatted": "$50.00"}
    assert not issued["redeemed"]
    session = await sign_up(client)
    body = {"type": "gift_card", "code": issued["code"]}
    redeemed = await client.post("/users/me/payment-methods", headers=session.headers, json=body)
    assert redeemed.status_code == 201
    assert redeemed.json()["label"] == "Gift card (balance $50.00)"
    assert redeemed.json()["balance"]["amount"] == 5000
    again = await client.post("/users/me/payment-methods", headers=session.headers, json=body)
    assert again.status_code == 409
    assert error_code(again) == "gift_card_already_redeemed"
    unknown = await client.post(
        "/users/me/payment-methods",
        headers=session.headers,
        json={"type": "gift_card", "code": "GC-0000-0000-0000-0000"},
    )
    assert unknown.status_code == 404


async def test_paypal_account_is_listed_with_its_email(client: httpx.AsyncClient) -> None:
    session = await sign_up(client)
    response = await client.post(
        "/users/me/payment-methods",
        headers=session.headers,
        json={"type": "paypal", "email": "ann@example.com"},
    )
    assert response.status_code == 201
    assert response.json()["label"] == "PayPal ann@example.com"


async def test_deleted_payment_method_disappears_and_others_get_404(
    client: httpx.AsyncClient,
) -> None:
    owner = await sign_up(client, "owner")
    other = await sign_up(client, "other")
    method = (
        await client.post("/users/me/payment-methods", headers=owner.headers, json=CARD)
    ).json()
    path = f"/users/me/payment-methods/{method['id']}"
    foreign = await client.delete(path, headers=other.headers)
    assert foreign.status_code == 404
    assert error_code(foreign) == "payment_method_not_found"
    assert (await client.get("/users/me/payment-methods", headers=other.headers)).json() == []
    assert (await client.delete(path, headers=owner.headers)).status_code == 204
    assert (await client.get("/users/me/payment-methods", headers=owner.headers)).json() == []
    assert (await client.delete(path, headers=owner.headers)).status_code == 404


async def test_service_lookups_for_other_contexts_respect_ownership(
    client: httpx.AsyncClient, container: Container
) -> None:
    from services.kernel.actor import Actor
    from services.users.errors import AddressNotFound, PaymentMethodNotFound

    owner = await sign_up(client, "owner")
    other = Actor((await sign_up(client, "other")).user_id)
    me = Actor(owner.user_id)
    address = await _add_address(client, owner, "Mine")
    method = (
        await client.post("/users/me/payment-methods", headers=owner.headers, json=CARD)
    ).json()
    assert (await container.users.get_address(me, address["id"])).recipient == "Mine"
    instrument = await container.users.get_payment_method(me, method["id"])
    assert instrument.provider_token
    with pytest.raises(AddressNotFound):
        await container.users.get_address(other, address["id"])
    with pytest.raises(PaymentMethodNotFound):
        await container.users.get_payment_method(other, method["id"])


async def test_gift_card_debits_never_drive_the_balance_negative(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await sign_in_as(client, container, "admin")
    issued = await _issue_gift_card(client, admin, 1000)
    async with container.uow() as uow:
        assert not await uow.users.debit_gift_card(issued["id"], 1001, "USD", container.clock.now())
        assert not await uow.users.debit_gift_card(issued["id"], 10, "EUR", container.clock.now())
        assert await uow.users.debit_gift_card(issued["id"], 1000, "USD", container.clock.now())
        assert not await uow.users.debit_gift_card(issued["id"], 1, "USD", container.clock.now())
        assert await uow.users.credit_gift_card(issued["id"], 250, "USD", container.clock.now())
        assert await uow.users.debit_gift_card(issued["id"], 0, "USD", container.clock.now())
        assert not await uow.users.debit_gift_card("gft_missing", 0, "USD", container.clock.now())
        with pytest.raises(ValueError, match="negative"):
            await uow.users.debit_gift_card(issued["id"], -5, "USD", container.clock.now())
        await uow.commit()
    async with container.uow() as uow:
        card = await uow.users.get_gift_card(issued["id"])
        assert card is not None
        assert card.balance_minor == 250


# admin


async def test_admin_lists_users_in_pages(client: httpx.AsyncClient, container: Container) -> None:
    admin = await sign_in_as(client, container, "admin")
    for _ in range(4):
        await sign_up(client)
    first = await client.get("/admin/users?page=1&page_size=2", headers=admin.headers)
    assert first.status_code == 200
    page = first.json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (5, 1, 2, 2)
    assert page["items"][0]["id"] == admin.user_id
    last = (await client.get("/admin/users?page=3&page_size=2", headers=admin.headers)).json()
    beyond = (await client.get("/admin/users?page=4&page_size=2", headers=admin.headers)).json()
    assert len(last["items"]) == 1
    assert beyond["items"] == []
    seen = {u["id"] for u in page["items"]} | {u["id"] for u in last["items"]}
    assert len(seen) == 3
    bad = await client.get("/admin/users?page_size=101", headers=admin.headers)
    assert bad.status_code == 422


async def test_admin_makes_a_merchant_who_then_acts_as_one(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await sign_in_as(client, container, "admin")
    session = await sign_up(client)
    response = await client.patch(
        f"/admin/users/{session.user_id}", headers=admin.headers, json={"role": "merchant"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "merchant"
    assert (await client.get("/users/me", headers=session.headers)).json()["role"] == "merchant"
    fetched = await client.get(f"/admin/users/{session.user_id}", headers=admin.headers)
    assert fetched.json()["role"] == "merchant"


async def test_admin_role_change_validation(
    client: httpx.AsyncClient, container: Container
) -> None:
    admin = await sign_in_as(client, container, "admin")
    session = await sign_up(client)
    path = f"/admin/users/{session.user_id}"
    assert (
        await client.patch(path, headers=admin.headers, json={"role": "god"})
    ).status_code == 422
    own = await client.patch(
        f"/admin/users/{admin.user_id}", headers=admin.headers, json={"role": "customer"}
    )
    assert own.status_code == 400
    self_ban = await client.post(f"/admin/users/{admin.user_id}/ban", headers=admin.headers)
    assert self_ban.status_code == 400
    missing = await client.post("/admin/users/usr_missing/ban", headers=admin.headers)
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["customer", "merchant"])
async def test_admin_routes_are_403_for_non_admins(
    client: httpx.AsyncClient, container: Container, role: RoleName
) -> None:
    actor = await sign_in_as(client, container, role)
    target = await sign_up(client)
    for response in (
        await client.get("/admin/users", headers=actor.headers),
        await client.get(f"/admin/users/{target.user_id}", headers=actor.headers),
        await client.patch(
            f"/admin/users/{target.user_id}", headers=actor.headers, json={"role": "admin"}
        ),
        await client.post(f"/admin/users/{target.user_id}/ban", headers=actor.headers),
        await client.post(f"/admin/users/{target.user_id}/unban", headers=actor.headers),
        await client.post("/admin/gift-cards", headers=actor.headers, json={"amount": 100}),
    ):
        assert response.status_code == 403
        assert error_code(response) == "forbidden"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"amount": 0}, 422),
        ({"amount": -5}, 422),
        ({"amount": 100, "currency": "EUR"}, 422),
        ({"amount": 100, "currency": "dollars"}, 422),
        ({"amount": 100, "note": "x"}, 422),
        ({"amount": 100}, 201),
    ],
)
async def test_gift_card_issue_validation(
    client: httpx.AsyncClient, container: Container, body: dict[str, Any], status: int
) -> None:
    admin = await sign_in_as(client, container, "admin")
    response = await client.post("/admin/gift-cards", headers=admin.headers, json=body)
    assert response.status_code == status
