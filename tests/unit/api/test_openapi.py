"""The OpenAPI schema: operation ids, tags, enums and stream content types."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from api.app import create_app
from api.openapi import install_openapi, operation_id
from services.orders.state_machine import OrderStatus
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app's schema, built without starting the app."""
    app = create_app(make_settings(tmp_path_factory.mktemp("openapi")))
    built: dict[str, Any] = app.openapi()
    return built


def _operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_operation_ids_are_the_route_names_and_unique(schema: dict[str, Any]) -> None:
    operations = _operations(schema)
    ids = [operation["operationId"] for operation in operations.values()]
    assert len(ids) == len(set(ids))
    assert operations["get", "/api/v1/products/{product_id}"]["operationId"] == "get_product"
    assert operations["post", "/api/v1/orders"]["operationId"] == "place_order"
    assert not [name for name in ids if "api_v1" in name]


def test_two_routes_of_one_name_refuse_to_build_a_schema() -> None:
    first, second = APIRouter(), APIRouter()

    @first.get("/a")
    async def listing() -> None:
        """One."""

    second.add_api_route("/b", listing, methods=["GET"])
    app = FastAPI(generate_unique_id_function=operation_id)
    app.include_router(first)
    app.include_router(second)
    install_openapi(app, [first, second])
    with (
        pytest.raises(RuntimeError, match="listing"),
        pytest.warns(UserWarning, match="Duplicate Operation ID"),
    ):
        app.openapi()


def test_every_tag_in_use_is_described(schema: dict[str, Any]) -> None:
    described = {tag["name"]: tag["description"] for tag in schema["tags"]}
    used = {tag for op in _operations(schema).values() for tag in op.get("tags", [])}
    assert used <= set(described)
    assert all(described[tag] for tag in used)


def test_error_codes_are_an_enum_of_rest_codes(schema: dict[str, Any]) -> None:
    code = schema["components"]["schemas"]["ErrorInfo"]["properties"]["code"]
    codes = set(code["enum"])
    assert {"out_of_stock", "order_not_found", "validation_error", "rate_limited"} <= codes
    assert {"internal_error", "not_found", "method_not_allowed"} <= codes
    # τ² desk errors reach a model, never a REST client.
    assert "customer_not_authenticated" not in codes


def test_order_status_is_an_enum_of_the_state_machine(schema: dict[str, Any]) -> None:
    status = schema["components"]["schemas"]["OrderOut"]["properties"]["status"]
    assert status["enum"] == [value.value for value in OrderStatus]


def test_streaming_chat_routes_document_server_sent_events(schema: dict[str, Any]) -> None:
    operations = _operations(schema)
    for path in ("/api/v1/chat/stream", "/api/v1/chat/{thread_id}/confirm/stream"):
        ok = operations["post", path]["responses"]["200"]
        assert list(ok["content"]) == ["text/event-stream"]
        event = ok["content"]["text/event-stream"]["schema"]
        assert {"token", "confirmation_required", "done"} <= set(
            event["properties"]["event"]["enum"]
        )
        assert "`done`" in ok["description"]
    plain = operations["post", "/api/v1/chat"]["responses"]["200"]
    assert list(plain["content"]) == ["application/json"]
