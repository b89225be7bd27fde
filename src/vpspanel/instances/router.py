"""/api/vps: deploy, read and act on the acting organization's servers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response

from vpspanel.auth.deps import OrgContextDep
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.instances import service
from vpspanel.instances.schemas import (
    DeployIn,
    EventList,
    InstanceEnvelope,
    InstanceList,
    MetricsEnvelope,
    RebuildIn,
    ResizeIn,
    ResizePlansOut,
)
from vpspanel.instances.state import Action
from vpspanel.web.answers import json_answer

router = APIRouter(prefix="/api/vps", tags=["instances"], responses={**ERROR_RESPONSES})

InstanceId = Annotated[uuid.UUID, Path(description="The server id.")]


@router.post(
    "",
    status_code=201,
    response_model=InstanceEnvelope,
    summary="Deploy a server",
    name="deploy_instance",
)
async def deploy(
    body: DeployIn,
    ctx: OrgContextDep,
    session: SessionDep,
    state: StateDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "A unique string per deploy attempt (reuse it to retry the same attempt): a "
                "repeat returns the first answer instead of deploying twice."
            ),
        ),
    ] = None,
) -> JSONResponse:
    status, answer = await service.deploy(session, state, ctx, body, idempotency_key)
    return JSONResponse(answer, status_code=status)


@router.get("", summary="The organization's servers", response_model=InstanceList)
async def list_instances(
    ctx: OrgContextDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="Servers per page, 1-200.")] = 50,
) -> Response:
    return json_answer(await service.list_page(session, ctx, page=page, per_page=per_page))


@router.get("/{instance_id}", summary="One server", response_model=InstanceEnvelope)
async def get_instance(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep
) -> Response:
    return json_answer({"instance": await service.get(session, ctx, instance_id)})


@router.post("/{instance_id}/boot", status_code=202, summary="Boot a server", name="boot_instance")
async def boot(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep, state: StateDep
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.BOOT)
    )


@router.post(
    "/{instance_id}/shutdown",
    status_code=202,
    summary="Shut a server down",
    name="shutdown_instance",
)
async def shutdown(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep, state: StateDep
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.SHUTDOWN)
    )


@router.post(
    "/{instance_id}/reboot", status_code=202, summary="Reboot a server", name="reboot_instance"
)
async def reboot(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep, state: StateDep
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.REBOOT)
    )


@router.post(
    "/{instance_id}/rebuild",
    status_code=202,
    summary="Reinstall a server from an image (erases its disk)",
    name="rebuild_instance",
)
async def rebuild(
    instance_id: InstanceId,
    body: RebuildIn,
    ctx: OrgContextDep,
    session: SessionDep,
    state: StateDep,
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.REBUILD, body)
    )


@router.post(
    "/{instance_id}/resize",
    status_code=202,
    summary="Move a server to another plan",
    name="resize_instance",
)
async def resize(
    instance_id: InstanceId,
    body: ResizeIn,
    ctx: OrgContextDep,
    session: SessionDep,
    state: StateDep,
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.RESIZE, body)
    )


@router.get(
    "/{instance_id}/resize-plans",
    summary="The plans a server can be resized to, with the price difference",
    name="list_resize_plans",
)
async def resize_plans(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep
) -> ResizePlansOut:
    return await service.resize_plans(session, ctx, instance_id)


@router.delete("/{instance_id}", status_code=202, summary="Delete a server", name="delete_instance")
async def delete(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep, state: StateDep
) -> InstanceEnvelope:
    return InstanceEnvelope(
        instance=await service.act(session, state, ctx, instance_id, Action.DELETE)
    )


@router.get(
    "/{instance_id}/events",
    summary="A server's activity, oldest first",
    name="list_instance_events",
)
async def instance_events(
    instance_id: InstanceId, ctx: OrgContextDep, session: SessionDep
) -> EventList:
    return await service.events(session, ctx, instance_id)


@router.get(
    "/{instance_id}/metrics",
    summary="A server's CPU and network history",
    name="get_instance_metrics",
)
async def instance_metrics(
    instance_id: InstanceId,
    ctx: OrgContextDep,
    state: StateDep,
    period: Annotated[
        str,
        Query(
            max_length=8,
            description="How far back: hours or days like `1h`, `24h`, `7d`; at most `30d`.",
        ),
    ] = "24h",
) -> MetricsEnvelope:
    return MetricsEnvelope(metrics=await service.metrics(state, ctx, instance_id, period))
