"""Registration, login, token refresh and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.created import locate
from api.deps import Services
from services.kernel.errors import Unauthorized
from services.users.schemas import LoginIn, LogoutIn, RefreshIn, RegisterIn, TokenPair, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The raw bearer token of the request (401 when missing)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token.")
    return credentials.credentials


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(container: Services, body: RegisterIn, response: Response) -> UserOut:
    """Open a customer account (409 if the email is already registered)."""
    user = await container.users.register(body)
    # The account is read at /users/me once its owner logs in.
    locate(response, "/users/me")
    return user


@router.post("/login")
async def login(container: Services, body: LoginIn, request: Request) -> TokenPair:
    """Exchange email and password for an access token and a rotating refresh token (429 with
    Retry-After while failed attempts from this address or on this account are locked out)."""
    client = request.client.host if request.client else "unknown"
    return await container.users.login(body, client)


@router.post("/refresh")
async def refresh(container: Services, body: RefreshIn) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token stops working."""
    return await container.users.refresh(body)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    container: Services,
    token: Annotated[str, Depends(bearer_token)],
    body: Annotated[LogoutIn | None, Body()] = None,
) -> Response:
    """Revoke the bearer access token and, if sent, the refresh token of the same login."""
    await container.users.logout(token, body.refresh_token if body else None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
