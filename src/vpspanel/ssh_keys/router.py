"""/api/account/ssh-keys: the signed-in user's saved SSH public keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from vpspanel.auth.deps import CurrentUser
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.ssh_keys import service
from vpspanel.ssh_keys.schemas import SshKeyEnvelope, SshKeyIn, SshKeyList, SshKeyOut, SshKeyPatch

router = APIRouter(prefix="/api/account/ssh-keys", tags=["account"], responses={**ERROR_RESPONSES})

KeyId = Annotated[uuid.UUID, Path(description="The saved key's id.")]


@router.get("", summary="My saved SSH keys", name="list_ssh_keys")
async def list_ssh_keys(user: CurrentUser, session: SessionDep) -> SshKeyList:
    return await service.list_of(session, user)


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Save an SSH key", name="create_ssh_key"
)
async def create_ssh_key(
    body: SshKeyIn, user: CurrentUser, session: SessionDep, state: StateDep
) -> SshKeyEnvelope:
    key = await service.create(session, user, body, state.clock())
    return SshKeyEnvelope(ssh_key=SshKeyOut.model_validate(key))


@router.patch("/{key_id}", summary="Rename a saved SSH key", name="rename_ssh_key")
async def rename_ssh_key(
    key_id: KeyId, body: SshKeyPatch, user: CurrentUser, session: SessionDep
) -> SshKeyEnvelope:
    key = await service.rename(session, user, key_id, body)
    return SshKeyEnvelope(ssh_key=SshKeyOut.model_validate(key))


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a saved SSH key (servers that have it keep it)",
    name="delete_ssh_key",
)
async def delete_ssh_key(key_id: KeyId, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete(session, user, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
