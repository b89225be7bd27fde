"""The durable operations runner.

Operations live in the database. A worker slot claims a few due ones in one statement (see
`OperationRepository.claim_many`), runs one step of each side by side with no transaction open,
and applies each outcome under its lease (checkpoints and outcomes written together share a
transaction, `worker/batching.py`): the operation is re-queued to look again later, or ends.
A worker that dies simply stops renewing its lease; when the lease lapses another worker claims
the operation and carries on from its last checkpoint. Every operation has a deadline, so
every operation ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import provider_errors
from vpspanel.db.engine import skip_locked_rows
from vpspanel.instances import tasks
from vpspanel.instances.models import VpsInstance
from vpspanel.instances.repository import InstanceRepository
from vpspanel.operations import handoff, idempotency
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository, OperationStatus, priority_of
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers import errors as perr
from vpspanel.providers.base import Provider
from vpspanel.providers.http import BUDGET_PATIENCE_S
from vpspanel.providers.types import InstanceStatus, ProviderInstance
from vpspanel.state import AppState
from vpspanel.worker.account_sync import AccountSync
from vpspanel.worker.batching import GroupCommit
from vpspanel.worker.config import WorkerConfig
from vpspanel.worker.polling import (
    BACKSTOP_POLLS,
    ListedServer,
    PolledProvider,
    SharedPolls,
    watch_accounts,
)

logger = logging.getLogger(__name__)

PURGE_EVERY = timedelta(minutes=10)


class LeaseLost(Exception):
    """Another worker owns the operation now (ours lapsed); drop our step's outcome."""


@dataclass(frozen=True)
class Claimed:
    operation: Operation
    instance: VpsInstance
    account: ServiceProvider | None


class Worker:
    """Runs operations. `run_once()` claims one runnable operation and runs one step of it;
    `run(stop_event)` loops with `config.concurrency` slots."""

    def __init__(
        self,
        state: AppState,
        *,
        config: WorkerConfig | None = None,
        owner: str | None = None,
    ) -> None:
        self.state = state
        self.config = config or WorkerConfig()
        self.owner = owner or f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._last_purge: datetime | None = None
        self.polls = SharedPolls()
        # Each provider account's change feed and sweep (one worker at a time per account).
        self.account_sync = AccountSync(state, self.config, self.owner)
        # Checkpoints and outcomes of steps run side by side share transactions.
        self.writes = GroupCommit(lambda: self.state.sessionmaker, isolated=(LeaseLost,))

    # -- claiming ---------------------------------------------------------------------
    async def _claim(self) -> Claimed | None:
        claimed = await self._claim_many(1)
        return claimed[0] if claimed else None

    async def _claim_many(self, limit: int) -> list[Claimed]:
        """Claim up to `limit` runnable operations, with their instances and accounts, in one
        transaction."""
        async with self.state.sessionmaker() as session:
            operations = await OperationRepository(session).claim_many(
                owner=self.owner,
                now=self.state.clock(),
                lease=self.config.lease,
                limit=limit,
            )
            if not operations:
                await session.rollback()
                return []
            instances = {
                instance.id: instance
                for instance in await session.scalars(
                    select(VpsInstance).where(
                        VpsInstance.id.in_([operation.instance_id for operation in operations])
                    )
                )
            }
            account_ids = {i.provider_id for i in instances.values() if i.provider_id is not None}
            accounts = {
                account.id: account
                for account in await session.scalars(
                    select(ServiceProvider).where(ServiceProvider.id.in_(account_ids))
                )
            }
            claimed: list[Claimed] = []
            for operation in operations:
                instance = instances.get(operation.instance_id)
                if instance is None:
                    raise RuntimeError("operation without instance")  # the foreign key forbids it
                if tasks.OPERATION_TYPES[operation.type].start(
                    operation, instance, self.state.clock()
                ):
                    await self._mark_event(session, operation, "running")
                account = accounts.get(instance.provider_id) if instance.provider_id else None
                claimed.append(Claimed(operation, instance, account))
            await session.commit()
        return claimed

    @staticmethod
    async def _mark_event(
        session: AsyncSession,
        operation: Operation,
        status: str,
        message: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        event = await InstanceRepository(session).operation_event(operation.id)
        if event is None:
            return
        event.status = status
        if message is not None:
            event.message = message
        event.finished_at = finished_at

    # -- one step ---------------------------------------------------------------------
    async def run_once(self) -> bool:
        """Claim and run one step of one operation. False when nothing was runnable."""
        return await self.run_batch(1)

    async def run_batch(self, limit: int) -> bool:
        """Claim up to `limit` runnable operations and run one step of each, side by side
        (their checkpoints and outcomes share transactions). False when nothing was
        runnable."""
        claimed = await self._claim_many(limit)
        # Every step ends (and writes its outcome) before a crash of one is raised: a crash
        # must not drop the outcomes of the others claimed beside it.
        crashes = [
            answer
            for answer in await asyncio.gather(
                *(self._run_claimed(one) for one in claimed), return_exceptions=True
            )
            if isinstance(answer, BaseException)
        ]
        if crashes:
            for crash in crashes[1:]:
                logger.error("worker step crashed", exc_info=crash)
            raise crashes[0]
        return bool(claimed)

    async def _run_claimed(self, claimed: Claimed) -> None:
        operation = claimed.operation
        heartbeat = asyncio.create_task(self._heartbeat(operation.id))
        try:
            outcome = await self._execute(claimed)
        except LeaseLost:
            logger.warning("operation %s: lease lost during the step", operation.id)
            return
        finally:
            heartbeat.cancel()
        try:
            await self._apply(claimed, outcome)
        except LeaseLost:
            logger.warning("operation %s: lease lost, outcome dropped", operation.id)

    async def _execute(self, claimed: Claimed) -> tasks.Outcome:
        operation, instance, account = claimed.operation, claimed.instance, claimed.account
        operation_type = tasks.OPERATION_TYPES[operation.type]
        now = self.state.clock()
        if now > operation.created_at + self.config.timeout_for(operation.type):
            return tasks.failed(tasks.TOO_SLOW)
        if account is None:
            return tasks.failed("The cloud account behind this server is gone. Contact support.")
        step = tasks.Step(
            operation=operation,
            instance=instance,
            account=account,
            provider=cast(
                Provider,
                PolledProvider(
                    self.state.providers.for_account(account),
                    self.polls,
                    str(account.id),
                    max_age_s=self.config.poll_interval_s / 2,
                ),
            ),
            now=now,
            config=self.config,
            unseal=lambda: self._unseal(operation),
            checkpoint=lambda changes: self._checkpoint(operation, changes),
        )
        patience = BUDGET_PATIENCE_S.set(self.config.budget_patience_s)
        try:
            async with asyncio.timeout(self.config.step_timeout_s):
                return await operation_type.step(step)
        except perr.ProviderBudgetWait as exc:
            # Nothing was sent: park the operation until the budget has room and free the
            # slot for work that can run now (not a retry: nothing went wrong).
            logger.debug("operation %s parked %.2fs: %s", operation.id, exc.retry_after_s, exc)
            return tasks.wait(exc.retry_after_s or 0.0)
        except perr.ProviderError as exc:
            return self._after_provider_error(operation, operation_type, exc)
        except TimeoutError:
            logger.warning("operation %s (%s) step timed out", operation.id, operation.type)
            return tasks.wait(self.config.backoff_s(operation.attempts))
        finally:
            BUDGET_PATIENCE_S.reset(patience)

    def _after_provider_error(
        self,
        operation: Operation,
        operation_type: tasks.OperationType,
        exc: perr.ProviderError,
    ) -> tasks.Outcome:
        """A step the provider failed: wait and try again, or fail with a customer's reason."""
        provider_error = provider_errors.provider_error_text(exc)
        logger.info(
            "operation %s (%s) step failed: %s", operation.id, operation.type, provider_error
        )
        if exc.retryable and not isinstance(exc, perr.ProviderUnavailable):
            # Busy or rate limited: the provider answered and will take it later.
            retry_after = exc.retry_after_s if isinstance(exc, perr.ProviderRateLimited) else None
            return tasks.wait(
                self.config.backoff_s(operation.attempts, retry_after),
                result={"provider_error": provider_error},
                milestone=("retry", tasks.PROVIDER_BUSY),
            )
        retries = int((operation.result or {}).get("retries", 0)) + 1
        if exc.retryable and retries <= self.config.max_retries:
            return tasks.wait(
                self.config.backoff_s(operation.attempts),
                result={"provider_error": provider_error, "retries": retries},
                milestone=("retry", tasks.retry_message(retries, self.config.max_retries)),
            )
        if exc.retryable and operation_type.may_still_land(operation):
            return tasks.wait(
                self.config.backoff_s(operation.attempts),
                result={"provider_error": provider_error, "retries": retries},
            )
        return tasks.failed(
            provider_errors.failure_reason(exc), result={"provider_error": provider_error}
        )

    def _unseal(self, operation: Operation) -> str | None:
        return handoff.unseal(self.state.secret_box, operation, now=self.state.clock())

    async def _owned(self, session: AsyncSession, operation_id: uuid.UUID) -> Operation:
        current = await OperationRepository(session).get(operation_id, for_update=True)
        if (
            current is None
            or current.lease_owner != self.owner
            or current.status != OperationStatus.RUNNING.value
        ):
            raise LeaseLost()
        return current

    async def _checkpoint(self, operation: Operation, changes: dict[str, Any]) -> None:
        async def write(session: AsyncSession) -> dict[str, Any] | None:
            current = await self._owned(session, operation.id)
            current.result = {**(current.result or {}), **changes}
            current.updated_at = self.state.clock()
            return current.result

        operation.result = await self.writes.run(write)

    async def _heartbeat(self, operation_id: uuid.UUID) -> None:
        interval = max(self.config.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.state.sessionmaker() as session, session.begin():
                    await OperationRepository(session).extend_lease(
                        operation_id, owner=self.owner, until=self.state.clock() + self.config.lease
                    )
            except Exception:  # a missed beat is survivable; the next one may work
                logger.warning("operation %s: heartbeat failed", operation_id)

    # -- outcome ----------------------------------------------------------------------
    async def _apply(self, claimed: Claimed, outcome: tasks.Outcome) -> None:
        async def write(session: AsyncSession) -> None:
            operation = await self._owned(session, claimed.operation.id)
            instance = await InstanceRepository(session).get(operation.instance_id, for_update=True)
            if instance is None:
                raise LeaseLost()
            await self._write_outcome(session, operation, instance, outcome)

        await self.writes.run(write)

    async def _write_outcome(
        self,
        session: AsyncSession,
        operation: Operation,
        instance: VpsInstance,
        outcome: tasks.Outcome,
    ) -> None:
        """Write a step's outcome on the locked operation and instance: re-queue or end."""
        now = self.state.clock()
        operation.result = {**(operation.result or {}), **outcome.result}
        operation.updated_at = now
        instance.updated_at = now
        for column, value in outcome.instance.items():
            setattr(instance, column, value)
        if outcome.clear_secret or outcome.kind != "wait":
            handoff.clear(operation)
        if outcome.milestone is not None:
            event_type, milestone = outcome.milestone
            created = InstanceRepository(session).add_event(
                instance,
                type=event_type,
                status="succeeded",
                message=milestone,
                operation_id=None,
            )
            created.finished_at = now
        operation_type = tasks.OPERATION_TYPES[operation.type]
        if outcome.kind == "wait":
            operation.status = OperationStatus.QUEUED.value
            operation.priority = priority_of(
                operation.type,
                operation.result,
                bound=instance.provider_instance_id is not None,
            ).value
            delay_s = outcome.delay_s
            if operation_type.watched_by_account_poll(instance) and self.polls.shared(
                str(instance.provider_id)
            ):
                # The shared watcher wakes it when its server changes; this is a backstop.
                delay_s = max(delay_s, self.config.poll_interval_s * BACKSTOP_POLLS)
            operation.run_after = now + timedelta(seconds=delay_s)
            operation.lease_owner = None
            operation.lease_expires_at = None
            return
        await self._finish(session, operation, instance, outcome, now)

    async def _settle_listed(
        self, account_id: uuid.UUID, servers: dict[uuid.UUID, ProviderInstance]
    ) -> list[uuid.UUID]:
        """Run the next step of these watched operations (id -> its server, as the account's
        listing just showed it) and write every outcome in one transaction, instead of waking
        each to be claimed, stepped and applied on its own (three transactions apiece, behind
        the queue). Only operations still queued are taken (one being claimed is running its
        own step); on PostgreSQL rows others hold are passed over. Returns the operations left
        to run on their own: past their deadline (a slot fails them), or their row was busy."""
        left: list[uuid.UUID] = []
        async with self.state.sessionmaker() as session, session.begin():
            now = self.state.clock()
            query = select(Operation).where(
                Operation.id.in_(list(servers)),
                Operation.status == OperationStatus.QUEUED.value,
            )
            operations = list(
                (await session.scalars(skip_locked_rows(query, session, of=Operation))).all()
            )
            if not operations:
                return left
            instances_query = select(VpsInstance).where(
                VpsInstance.id.in_([operation.instance_id for operation in operations])
            )
            instances = {
                instance.id: instance
                for instance in (
                    await session.scalars(
                        skip_locked_rows(instances_query, session, of=VpsInstance)
                    )
                ).all()
            }
            account = await ProviderAccountRepository(session).get(account_id)
            for operation in operations:
                instance = instances.get(operation.instance_id)
                server = servers[operation.id]
                if (
                    account is None
                    or instance is None
                    or instance.provider_instance_id != server.id
                    or now > operation.created_at + self.config.timeout_for(operation.type)
                ):
                    left.append(operation.id)
                    continue
                step = tasks.Step(
                    operation=operation,
                    instance=instance,
                    account=account,
                    provider=cast(Provider, ListedServer(server)),
                    now=now,
                    config=self.config,
                    unseal=lambda: None,
                    checkpoint=_no_checkpoint,
                )
                outcome = await tasks.OPERATION_TYPES[operation.type].step(step)
                await self._write_outcome(session, operation, instance, outcome)
        return left

    async def _finish(
        self,
        session: AsyncSession,
        operation: Operation,
        instance: VpsInstance,
        outcome: tasks.Outcome,
        now: datetime,
    ) -> None:
        """End the operation; its type says what the outcome writes on the instance."""
        operation_type = tasks.OPERATION_TYPES[operation.type]
        operation.finished_at = now
        operation.lease_owner = None
        operation.lease_expires_at = None
        if outcome.kind == "succeeded":
            operation.status = OperationStatus.SUCCEEDED.value
            message = operation_type.succeed(
                operation, instance, outcome.status or InstanceStatus.UNKNOWN, now
            )
            await self._mark_event(session, operation, "succeeded", message, finished_at=now)
            logger.info("operation %s (%s) succeeded", operation.id, operation.type)
            return
        reason = outcome.reason or tasks.TOO_SLOW
        operation.status = OperationStatus.FAILED.value
        operation.error = reason
        if operation_type.fail(instance, reason):
            OperationRepository(session).add(instance_id=instance.id, type="sync", now=now)
        await self._mark_event(session, operation, "failed", reason, finished_at=now)
        logger.info("operation %s (%s) failed", operation.id, operation.type)

    # -- the loop ---------------------------------------------------------------------
    async def purge_expired_keys(self) -> None:
        now = self.state.clock()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        async with self.state.sessionmaker() as session, session.begin():
            await idempotency.purge_expired(session, now)

    async def erase_expired_secrets(self) -> int:
        """Erase the sealed secrets past their operation's deadline (an operation no worker
        reached in time keeps no ciphertext); returns how many."""
        async with self.state.sessionmaker() as session, session.begin():
            erased = await handoff.erase_expired(session, self.state.clock())
        if erased:
            logger.info("erased %d expired sealed secret(s)", erased)
        return erased

    async def _erase_expired_secrets_periodically(self, stop_event: asyncio.Event) -> None:
        while not stop_event.is_set():
            try:
                await self.erase_expired_secrets()
            except Exception:
                logger.exception("erasing expired sealed secrets failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop_event.wait(), timeout=self.config.secret_sweep_interval_s
                )

    async def _idle_s(self) -> float:
        """Sleep until the next queued operation is due (a parked create, a poll), at most
        `idle_sleep_s`: a slot that naps a whole second past a budget window wastes it."""
        try:
            async with self.state.read_sessionmaker() as session:
                due_at = await OperationRepository(session).next_due_at()
        except Exception:
            return self.config.idle_sleep_s
        if due_at is None:
            return self.config.idle_sleep_s
        until_due = (due_at - self.state.clock()).total_seconds()
        return min(max(until_due, 0.005), self.config.idle_sleep_s)

    async def _slot(self, stop_event: asyncio.Event) -> None:
        while not stop_event.is_set():
            try:
                worked = await self.run_batch(self.config.claim_batch)
            except Exception:
                logger.exception("worker step crashed; continuing")
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), timeout=await self._idle_s())

    async def run(self, stop_event: asyncio.Event) -> None:
        logger.info("worker %s started", self.owner)
        slots = [
            asyncio.create_task(self._slot(stop_event)) for _ in range(self.config.concurrency)
        ]
        slots.append(asyncio.create_task(self._erase_expired_secrets_periodically(stop_event)))
        if self.config.poll_interval_s > 0:
            slots.append(
                asyncio.create_task(
                    # Twice per poll interval: a server is seen running within one interval
                    # of the provider, steps included.
                    watch_accounts(
                        self.state,
                        self.polls,
                        self.config.poll_interval_s / 2,
                        stop_event,
                        settle=self._settle_listed,
                    )
                )
            )
        if self.config.feed_interval_s > 0:
            slots.append(asyncio.create_task(self.account_sync.run(stop_event)))
        try:
            # Upkeep waits one interval first: a restart does not start with a burst of work.
            while not stop_event.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop_event.wait(), timeout=self.config.reconcile_interval_s
                    )
                if stop_event.is_set():
                    continue
                try:
                    await self.purge_expired_keys()
                except Exception:
                    logger.exception("periodic upkeep failed")
        finally:
            stop_event.set()
            await asyncio.gather(*slots, return_exceptions=True)
            logger.info("worker %s stopped", self.owner)


async def _no_checkpoint(changes: dict[str, Any]) -> None:
    # A watched step only reads; a checkpoint would mean it was about to send something.
    raise RuntimeError(f"a step settled from a listing tried to checkpoint {changes}")


async def run_worker(
    state: AppState,
    stop_event: asyncio.Event,
    *,
    config: WorkerConfig | None = None,
) -> None:
    """Run operations until `stop_event` is set (a step in progress finishes first)."""
    await Worker(state, config=config).run(stop_event)
