"""A real worker process for the crash tests: `python -m tests.worker.child MODE CONFIG_JSON`.

Settings come from VPSPANEL_* environment variables (the test database and key).
- `work`: the standalone worker entry (`run_standalone`).
- `hold: true` in the options: wait for a line on stdin before working.
- `config: {...}` in the options: more `WorkerConfig` fields (numbers, in seconds).
- `deploy`: accept one deploy as the API would (sealing the password with the key ring),
  print the instance id, then run the standalone worker entry.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import timedelta
from typing import Any

from vpspanel.auth.deps import OrgContext
from vpspanel.auth.models import User
from vpspanel.config import Settings
from vpspanel.instances import service
from vpspanel.instances.schemas import DeployIn
from vpspanel.organizations.models import Organization
from vpspanel.state import AppState
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.main import run_standalone


async def deploy(settings: Settings, request: dict[str, Any]) -> str:
    state = AppState.from_settings(settings)
    try:
        async with state.sessionmaker() as session:
            user = await session.get(User, uuid.UUID(request["user_id"]))
            organization = await session.get(Organization, uuid.UUID(request["organization_id"]))
            assert user is not None and organization is not None
            ctx = OrgContext(user=user, organization=organization, role="owner")
            _status, answer = await service.deploy(
                session, state, ctx, DeployIn.model_validate(request["body"]), None
            )
            await session.commit()
        return str(answer["instance"]["id"])
    finally:
        await state.close()


async def main(mode: str, options: dict[str, Any]) -> None:
    settings = Settings()
    config = WorkerConfig.instant(
        lease=timedelta(seconds=options.get("lease_s", 1.0)),
        poll_interval_s=options.get("poll_s", 0.05),
        idle_sleep_s=0.05,
        create_quiet_period_s=options.get("recheck_s", 0.0),
        **options.get("config", {}),
    )
    if mode == "deploy":
        print(await deploy(settings, options["deploy"]), flush=True)
    if options.get("hold"):
        # Started early so that its (slow) imports overlap the test; runs on "go".
        await asyncio.to_thread(sys.stdin.readline)
    print("worker-started", flush=True)
    await run_standalone(settings, config=config)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
