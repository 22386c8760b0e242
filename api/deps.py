"""FastAPI dependencies as ``Annotated`` aliases, so routes stay declarative."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.observability import tag_user
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.errors import Forbidden, Unauthorized
from services.kernel.pagination import MAX_PAGE_SIZE, PageRequest


async def get_container(request: Request) -> Container:
    """The process's service container, built in the app's lifespan."""
    # async (though it awaits nothing) so FastAPI calls it on the event loop: a plain function
    # would cost every request a round trip through the thread pool.
    container: Container = request.app.state.container
    return container


Services = Annotated[Container, Depends(get_container)]


async def page_request(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1-100)")
    ] = 20,
) -> PageRequest:
    """Pagination query parameters."""
    return PageRequest(page=page, page_size=page_size)


Paging = Annotated[PageRequest, Depends(page_request)]


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


async def current_actor(
    container: Services,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The authenticated user of this request (401 if the token is missing or no longer valid)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token.")
    actor = await container.users.authenticate(credentials.credentials)
    tag_user(actor.user_id)
    return actor


CurrentUser = Annotated[Actor, Depends(current_actor)]


async def optional_actor(container: Services, request: Request) -> Actor | None:
    """The signed-in user of a public read, or None: anonymous, or a token that no longer works
    (a public read never fails for it). Not declared as security: the route needs no login."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return await container.users.authenticate(token)
    except (Unauthorized, Forbidden):
        return None


Viewer = Annotated[Actor | None, Depends(optional_actor)]
