"""The durable operations runner.

Operations live in the database. The worker claims due ones a few at a time in one statement
(see `OperationRepository.claim_many`), runs one step of each as its own asyncio task with no
transaction open, and applies each outcome under its lease (checkpoints and outcomes written
together share a transaction, `worker/batching.py`): the operation is re-queued to look again
later, or ends. At most `config.concurrency` steps are in flight, and at most
`config.account_concurrency` of one provider account: a cloud that answers slowly (30 s
timeouts) holds only its own account's share, and the claims go on for the others.
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
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel import metrics, provider_errors
from vpspanel.db.engine import compact_erased
from vpspanel.instances import tasks
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.instances.repository import InstanceRepository
from vpspanel.operations import handoff, idempotency
from vpspanel.operations.models import Operation
from vpspanel.operations.repository import OperationRepository, OperationStatus, priority_of
from vpspanel.provider_accounts import health
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.providers import errors as perr
from vpspanel.providers.base import Provider
from vpspanel.providers.http import BUDGET_PATIENCE_S, RequestPriority, request_priority
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
# What the worker claims and finishes, as structured events (one line each, at INFO).
log = structlog.get_logger(__name__)

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
    `run(stop_event)` keeps up to `config.concurrency` steps in flight, at most
    `config.account_concurrency` of them for one provider account."""

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
        # Steps claimed and not yet finished, per provider account (None: no account), and
        # the gate that lets at most `account_concurrency` of an account's run at once.
        self._in_flight: Counter[uuid.UUID | None] = Counter()
        self._account_gates: dict[uuid.UUID, asyncio.Semaphore] = {}
        self._step_done = asyncio.Event()

    # -- claiming ---------------------------------------------------------------------
    async def _claim(self) -> Claimed | None:
        claimed = await self._claim_many(1)
        return claimed[0] if claimed else None

    async def _claim_many(
        self, limit: int, exclude_accounts: Collection[uuid.UUID] = ()
    ) -> list[Claimed]:
        """Claim up to `limit` runnable operations, with their instances and accounts, in one
        transaction; none of the accounts in `exclude_accounts`."""
        async with self.state.sessionmaker() as session:
            operations = await OperationRepository(session).claim_many(
                owner=self.owner,
                now=self.state.clock(),
                lease=self.config.lease,
                limit=limit,
                exclude_accounts=exclude_accounts,
            )
            if not operations:
                await session.rollback()
                return []
            instances = await InstanceRepository(session).get_many(
                [operation.instance_id for operation in operations]
            )
            account_ids = {i.provider_id for i in instances.values() if i.provider_id is not None}
            accounts = await ProviderAccountRepository(session).get_many(account_ids)
            claimed: list[Claimed] = []
            started: list[uuid.UUID] = []
            for operation in operations:
                instance = instances.get(operation.instance_id)
                if instance is None:
                    raise RuntimeError("operation without instance")  # the foreign key forbids it
                if tasks.OPERATION_TYPES[operation.type].start(
                    operation, instance, self.state.clock()
                ):
                    started.append(operation.id)
                account = accounts.get(instance.provider_id) if instance.provider_id else None
                claimed.append(Claimed(operation, instance, account))
            # The events of the operations started now read "running" (one look-up for all).
            for event in (await InstanceRepository(session).operation_events(started)).values():
                event.status = "running"
                event.finished_at = None
            await session.commit()
        for one in claimed:
            # The first step at INFO; later steps (status polls) at DEBUG, or they would drown
            # the log of a busy worker.
            log.log(
                logging.INFO if one.operation.attempts == 1 else logging.DEBUG,
                "operation_claimed",
                operation_id=str(one.operation.id),
                type=one.operation.type,
                account=str(one.instance.provider_id),
                attempt=one.operation.attempts,
                worker=self.owner,
            )
        return claimed

    @staticmethod
    async def _mark_event(
        session: AsyncSession,
        operation: Operation,
        status: str,
        message: str | None = None,
        finished_at: datetime | None = None,
        events: dict[uuid.UUID, InstanceEvent] | None = None,
    ) -> None:
        """Write the operation's event; `events` (operation id -> its event, looked up
        beforehand for many) saves the look-up."""
        if events is None:
            event = await InstanceRepository(session).operation_event(operation.id)
        else:
            event = events.get(operation.id)
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

    def _account_gate(self, account_id: uuid.UUID | None) -> asyncio.Semaphore | None:
        if account_id is None:
            return None
        gate = self._account_gates.get(account_id)
        if gate is None:
            gate = self._account_gates[account_id] = asyncio.Semaphore(
                self.config.account_concurrency
            )
        return gate

    async def _run_claimed(self, claimed: Claimed) -> None:
        operation = claimed.operation
        # The lease is renewed while the step waits for its account's turn, too.
        heartbeat = asyncio.create_task(self._heartbeat(operation.id))
        gate = self._account_gate(claimed.instance.provider_id)
        try:
            async with gate or contextlib.nullcontext():
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
            # Customers' operations come first in the account's request budget.
            with request_priority(RequestPriority.CUSTOMER):
                async with asyncio.timeout(self.config.step_timeout_s):
                    outcome = await operation_type.step(step)
            if account.status_ok is False or account.status_failures:
                await self._note_account_health(account.id, None)
            return outcome
        except perr.ProviderBudgetWait as exc:
            # Nothing was sent: park the operation until the budget has room and free the
            # slot for work that can run now (not a retry: nothing went wrong).
            logger.debug("operation %s parked %.2fs: %s", operation.id, exc.retry_after_s, exc)
            return tasks.wait(exc.retry_after_s or 0.0)
        except perr.ProviderError as exc:
            if health.is_account_failure(exc):
                await self._note_account_health(account.id, exc)
            return self._after_provider_error(operation, operation_type, exc)
        except TimeoutError:
            logger.warning("operation %s (%s) step timed out", operation.id, operation.type)
            return tasks.wait(self.config.backoff_s(operation.attempts))
        finally:
            BUDGET_PATIENCE_S.reset(patience)

    async def _note_account_health(
        self, account_id: uuid.UUID, failure: perr.ProviderError | None
    ) -> None:
        """Record on the account row that it failed as a whole (`failure`), or answered again
        after failing; a write that fails is only logged (the next step tries again)."""
        now = self.state.clock()

        async def write(session: AsyncSession) -> None:
            if failure is None:
                await health.record_success(session, account_id, now)
            else:
                await health.record_failure(session, account_id, failure, now)

        try:
            await self.writes.run(write)
        except Exception:
            logger.warning("account %s: could not record its health", account_id, exc_info=True)

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
            provider_errors.failure_reason(exc, creating=operation.type == "create"),
            result={"provider_error": provider_error},
        )

    def _unseal(self, operation: Operation) -> str | None:
        return handoff.unseal(self.state.secret_box, operation, now=self.state.clock())

    def _holds(self, current: Operation) -> bool:
        """Whether the operation, as just read under its row lock, is still ours to write."""
        return current.lease_owner == self.owner and current.status == OperationStatus.RUNNING.value

    async def _checkpoint(self, operation: Operation, changes: dict[str, Any]) -> None:
        # While our lease holds, only our steps write the operation's result, so the copy
        # claimed (and our own checkpoints since) is current: one fenced UPDATE, no read.
        result = {**(operation.result or {}), **changes}

        async def write(session: AsyncSession) -> None:
            if not await OperationRepository(session).checkpoint(
                operation.id, owner=self.owner, result=result, now=self.state.clock()
            ):
                raise LeaseLost()

        await self.writes.run(write)
        operation.result = result

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
            locked = await OperationRepository(session).get_with_instance_locked(
                claimed.operation.id
            )
            if locked is None or not self._holds(locked[0]):
                raise LeaseLost()
            await self._write_outcome(session, *locked, outcome)

        await self.writes.run(write)

    async def _write_outcome(
        self,
        session: AsyncSession,
        operation: Operation,
        instance: VpsInstance,
        outcome: tasks.Outcome,
        events: dict[uuid.UUID, InstanceEvent] | None = None,
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
            if operation_type.watched_by_account_poll(instance):
                account = str(instance.provider_id)
                assert instance.provider_instance_id is not None  # a watched server is known
                self.polls.watch(account, instance.provider_instance_id)
                if self.polls.shared(account):
                    # The shared watcher wakes it when its server changes; this is a backstop.
                    delay_s = max(delay_s, self.config.poll_interval_s * BACKSTOP_POLLS)
            operation.run_after = now + timedelta(seconds=delay_s)
            operation.lease_owner = None
            operation.lease_expires_at = None
            return
        await self._finish(session, operation, instance, outcome, now, events)

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
            operations = await OperationRepository(session).queued_among_skip_locked(servers)
            if not operations:
                return left
            instances = await InstanceRepository(session).get_many_skip_locked(
                [operation.instance_id for operation in operations]
            )
            account = await ProviderAccountRepository(session).get(account_id)
            # The events of those that end now, in one look-up instead of one each.
            events = await InstanceRepository(session).operation_events(
                [operation.id for operation in operations]
            )
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
                await self._write_outcome(session, operation, instance, outcome, events)
        return left

    async def _finish(
        self,
        session: AsyncSession,
        operation: Operation,
        instance: VpsInstance,
        outcome: tasks.Outcome,
        now: datetime,
        events: dict[uuid.UUID, InstanceEvent] | None = None,
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
            await self._mark_event(
                session, operation, "succeeded", message, finished_at=now, events=events
            )
            self._record_end(operation, instance, "succeeded", now)
            return
        reason = outcome.reason or tasks.TOO_SLOW
        operation.status = OperationStatus.FAILED.value
        operation.error = reason
        if operation_type.fail(instance, reason):
            OperationRepository(session).add(instance_id=instance.id, type="sync", now=now)
        await self._mark_event(session, operation, "failed", reason, finished_at=now, events=events)
        self._record_end(operation, instance, "failed", now)

    def _record_end(
        self, operation: Operation, instance: VpsInstance, outcome: str, now: datetime
    ) -> None:
        """Count an ended operation and log it (the metric is counted before the commit: an
        outcome whose commit fails is re-run and may count twice, never zero times)."""
        duration_s = (now - operation.created_at).total_seconds()
        metrics.record_operation_end(operation.type, outcome, duration_s)
        log.info(
            "operation_finished",
            operation_id=str(operation.id),
            type=operation.type,
            account=str(instance.provider_id),
            outcome=outcome,
            duration_s=round(duration_s, 3),
            attempts=operation.attempts,
            error=operation.error if outcome == "failed" else None,
            worker=self.owner,
        )

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
        reached in time keeps no ciphertext); returns how many. Then compact the database
        files (`compact_erased`), so that these and the secrets cleared since the last sweep
        (once the provider had them, or when their operation ended) leave no copy in SQLite's
        -wal file."""
        async with self.state.sessionmaker() as session, session.begin():
            erased = await handoff.erase_expired(session, self.state.clock())
        if erased:
            logger.info("erased %d expired sealed secret(s)", erased)
        if not await compact_erased(self.state.engine):
            logger.info("the database was busy: erased secrets are compacted at the next sweep")
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

    def _full_accounts(self) -> list[uuid.UUID]:
        """Accounts with `account_concurrency` steps claimed: claim none of theirs for now."""
        return [
            account_id
            for account_id, steps in self._in_flight.items()
            if account_id is not None and steps >= self.config.account_concurrency
        ]

    def _start_step(self, claimed: Claimed, running: set[asyncio.Task[None]]) -> None:
        account_id = claimed.instance.provider_id
        self._in_flight[account_id] += 1
        task = asyncio.create_task(self._run_claimed(claimed))
        running.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            running.discard(finished)
            self._in_flight[account_id] -= 1
            if self._in_flight[account_id] <= 0:
                del self._in_flight[account_id]
            if not finished.cancelled() and finished.exception() is not None:
                logger.error("worker step crashed", exc_info=finished.exception())
            self._step_done.set()

        task.add_done_callback(done)

    async def _dispatch(self, stop_event: asyncio.Event) -> None:
        """Claim due operations while there is room and run each step as its own task: at
        most `concurrency` in flight, at most `account_concurrency` per provider account
        (their operations are not claimed while it has that many). Waits for a step to end,
        or until the next operation is due, when there is nothing it may claim."""
        running: set[asyncio.Task[None]] = set()
        try:
            while not stop_event.is_set():
                # Cleared before claiming: a step that ends meanwhile still wakes the wait.
                self._step_done.clear()
                room = self.config.concurrency - len(running)
                asked = min(room, self.config.claim_batch)
                claimed: list[Claimed] = []
                if asked > 0:
                    try:
                        claimed = await self._claim_many(asked, self._full_accounts())
                    except Exception:
                        logger.exception("claiming operations failed; trying again")
                for one in claimed:
                    self._start_step(one, running)
                if claimed and len(claimed) == asked and len(running) < self.config.concurrency:
                    continue  # more may be due: claim again at once
                # Until a step ends (room again) or the next queued operation is due.
                timeout = await self._idle_s() if asked > 0 else self.config.idle_sleep_s
                stop = asyncio.ensure_future(stop_event.wait())
                step_done = asyncio.ensure_future(self._step_done.wait())
                try:
                    await asyncio.wait(
                        {stop, step_done}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    stop.cancel()
                    step_done.cancel()
        finally:
            # A step in progress finishes (and writes its outcome) before the worker stops.
            await asyncio.gather(*running, return_exceptions=True)

    async def run(self, stop_event: asyncio.Event) -> None:
        log.info(
            "worker_started",
            worker=self.owner,
            concurrency=self.config.concurrency,
            account_concurrency=self.config.account_concurrency,
        )
        slots = [asyncio.create_task(self._dispatch(stop_event))]
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
            log.info("worker_stopped", worker=self.owner)


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
