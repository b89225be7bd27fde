"""/api/account/tokens: the signed-in user's personal API tokens.

Managed from a signed-in session only: a token that could mint tokens could widen itself
(another organization, the admin flag, no expiry)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from vpspanel.api_tokens import service
from vpspanel.api_tokens.schemas import ApiTokenCreated, ApiTokenIn, ApiTokenList
from vpspanel.auth.deps import SignedInUser
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/account/tokens", tags=["account"], responses={**ERROR_RESPONSES})

TokenId = Annotated[uuid.UUID, Path(description="The token's id (not the token).")]


@router.get("", summary="My API tokens", name="list_api_tokens")
async def list_api_tokens(user: SignedInUser, session: SessionDep) -> ApiTokenList:
    return await service.list_of(session, user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token (the token is shown this once)",
    name="create_api_token",
)
async def create_api_token(
    body: ApiTokenIn, user: SignedInUser, session: SessionDep, state: StateDep
) -> ApiTokenCreated:
    return await service.create(session, user, body, state.clock())


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API token (it stops working at once)",
    name="revoke_api_token",
)
async def revoke_api_token(token_id: TokenId, user: SignedInUser, session: SessionDep) -> Response:
    await service.revoke(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
