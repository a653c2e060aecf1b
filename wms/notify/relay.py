"""The outbox relay: claims due messages, delivers them by channel, and settles each one.

- Claiming: due pending rows are taken in a short transaction (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL, so concurrent relays never take the same row; on SQLite the write transaction is
  BEGIN IMMEDIATE, a single writer). A claim counts the attempt and leases the row by moving its
  `next_attempt_at` past the lease; the send happens outside any transaction.
- Settling: delivered rows are marked delivered (deleted at once by a relay that keeps none);
  failures are retried with exponential backoff and full jitter up to the channel's attempt limit,
  then marked dead with the last error. A poison
  message (a template error, a 4xx from a webhook, a 5xx SMTP reply) goes dead at once and never
  holds up the others: every message is delivered on its own.
- Pruning: every few seconds a relay deletes, in short batches, the rows of its channels it no longer
  keeps (delivered ones after `keep_delivered_hours`, dead ones after `keep_dead_hours`).
- At-least-once: a relay killed between the send and the settle never marks the row; when the lease
  runs out another relay (or this one, restarted) sends it again. The receiver recognises the
  re-send by its id (Standard Webhooks `webhook-id`; the email Message-ID derived from the message
  id). Messages are not ordered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from wms.db import Database, Direct, utcnow
from wms.notify import wake
from wms.notify.channel import Channel, Outgoing
from wms.notify.config import RelaySpec
from wms.notify.model import DeliveryFailed, MessageState, Retry, RetryPolicy, settle
from wms.platform.tables import OutboxMessage

log = logging.getLogger(__name__)
Result = tuple[Outgoing, DeliveryFailed | None]


_o = OutboxMessage.__table__  # type: ignore[attr-defined]
CLAIMED = (  # the columns a claimed message is made of, in the order of Outgoing's fields
    _o.c.id,
    _o.c.message_id,
    _o.c.channel,
    _o.c.topic,
    _o.c.payload,
    _o.c.attempts,
    _o.c.created_at,
    _o.c.warehouse_id,
)


def _due(channels: list[str], *columns: Any) -> Any:
    """Up to `limit` due messages of these channels, oldest first, locked (skipping locked ones). For one
    channel the walk of ix_outbox_due (state, channel, next_attempt_at) is already in that order and
    stops after `limit` rows."""
    return (
        sa_select(*columns)
        .where(
            _o.c.state == MessageState.PENDING,
            or_(*(_o.c.channel == channel for channel in channels)),
            _o.c.next_attempt_at <= bindparam("now"),
        )
        .order_by(_o.c.next_attempt_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


def _claim_statement(channels: list[str]) -> Direct:
    """Take due messages and lease them (count the attempt, move next_attempt_at past the lease) — in one
    statement, built once per relay."""
    return Direct(
        update(_o)
        .where(_o.c.id.in_(_due(channels, _o.c.id).scalar_subquery()))
        .values(attempts=_o.c.attempts + 1, next_attempt_at=bindparam("lease_until"))
        .returning(*CLAIMED)
    )


def _take_statement(channels: list[str]) -> Direct:
    """PostgreSQL: lock due messages for the transaction that delivers them (a relay holding its claims)."""
    return Direct(_due(channels, *CLAIMED))


# A leased row is matched on its attempt count too: one that another relay took over after the lease ran
# out is left to it. A held row is this transaction's (locked), found by its key alone — which also keeps
# the planner on the primary key whatever the table's statistics say of pending rows.
_IDS = _o.c.id.in_(bindparam("ids", expanding=True))
_LEASED_NOW = (_IDS, _o.c.attempts == bindparam("attempt"), _o.c.state == MessageState.PENDING)
_DELIVERED = {
    held: update(_o)
    .where(*where)
    .values(state=MessageState.DELIVERED, last_error="", delivered_at=bindparam("now"))
    for held, where in ((False, _LEASED_NOW), (True, (_IDS,)))
}
# A relay that keeps no delivered rows (dashboard events) deletes them as it settles: one write per
# row instead of marking it delivered and pruning it later.
_DELIVERED_GONE = {False: delete(_o).where(*_LEASED_NOW), True: delete(_o).where(_IDS)}


class Relay:
    """Delivers the outbox of one database through the given channels (by channel name)."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        *,
        policy: RetryPolicy,
        spec: RelaySpec | None = None,
        policies: Mapping[str, RetryPolicy] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.policy = policy
        self.policies = dict(policies or {})
        self.spec = spec or RelaySpec()
        self.clock = clock
        self._wake: asyncio.Event | None = None
        self._nudged = False  # a nudge is on its way to the event loop
        self._claim = _claim_statement(sorted(self.channels))
        # Holding claims needs row locks that leave other writers alone: PostgreSQL's (SQLite's write
        # lock would stop every scan while a batch is delivered).
        self.holds = self.spec.hold_while_delivering and db.dialect == "postgresql"
        self._take = _take_statement(sorted(self.channels)) if self.holds else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    # --- database steps (run in a worker thread) ----------------------------------------------

    def claim(self, limit: int) -> list[Outgoing]:
        """Take up to `limit` due messages of our channels, leasing them for this attempt."""

        def work(session: Session) -> list[Outgoing]:
            now = self.clock()
            # One statement takes and leases the batch (a busy floor claims many times a second).
            rows = self._claim.rows(
                session.connection(),
                {"now": now, "limit": limit, "lease_until": now + timedelta(seconds=self.spec.lease_seconds)},
            )
            messages = sorted((Outgoing(*row) for row in rows), key=lambda m: m.id)
            return [message for message in messages if not self._fan_out(session, message, now)]

        return self.db.write(work)

    def _fan_out(self, session: Session, message: Outgoing, now: datetime) -> bool:
        split = getattr(self.channels[message.channel], "split", None)
        children = split(message) if split is not None else None
        if children is None:
            return False
        for message_id, payload in children:
            session.add(
                OutboxMessage(
                    message_id=message_id,
                    channel=message.channel,
                    topic=message.topic,
                    payload=payload,
                    warehouse_id=message.warehouse_id,
                    next_attempt_at=now,
                )
            )
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id)
            .values(
                state=MessageState.DELIVERED,
                delivered_at=now,
                last_error="" if children else "not sent: nobody is subscribed to this topic",
            )
            .execution_options(synchronize_session=False)
        )
        return True

    def settle(self, results: list[Result]) -> None:
        """Write each attempt's outcome, unless the row was taken over meanwhile (lease ran out)."""
        self.db.write(lambda session: self._record(session, results, held=False))

    def _record(self, session: Session, results: list[Result], *, held: bool) -> None:
        """Write each attempt's outcome: of rows this transaction holds, or of leased rows still ours."""
        now = self.clock()
        delivered: dict[int, list[int]] = {}  # attempts -> ids (leased) or 0 -> ids (held): a statement each
        for message, failure in results:
            if failure is None:
                delivered.setdefault(0 if held else message.attempts, []).append(message.id)
                continue
            policy = self.policies.get(message.channel, self.policy)
            decision = settle(attempts=message.attempts, failure=failure, now=now, policy=policy)
            values: dict[str, object] = {"state": decision.state, "last_error": decision.last_error}
            if decision.state == MessageState.DELIVERED:
                values["delivered_at"] = now
            if decision.next_attempt_at is not None:
                values["next_attempt_at"] = decision.next_attempt_at
            mine = [col(OutboxMessage.id) == message.id]
            if held:
                values["attempts"] = message.attempts  # counted now: a held row was not leased
            else:
                mine.append(col(OutboxMessage.attempts) == message.attempts)
                mine.append(col(OutboxMessage.state) == MessageState.PENDING)
            session.execute(update(OutboxMessage).where(*mine).values(**values))
            log.warning(
                "outbox %s %s (attempt %d): %s -> %s",
                message.channel,
                message.message_id,
                message.attempts,
                failure.reason,
                decision.state,
            )
        gone = self.spec.keep_delivered_hours == 0
        for attempts, ids in delivered.items():
            params = {"ids": ids} if held else {"ids": ids, "attempt": attempts}
            if gone:
                session.connection().execute(_DELIVERED_GONE[held], params)
            else:
                session.connection().execute(_DELIVERED[held], {**params, "now": now})

    # --- holding claims (PostgreSQL, quick channels) ---------------------------------------------

    def _take_held(self, limit: int) -> tuple[Session, list[Outgoing]] | None:
        """Lock up to `limit` due messages in a transaction left open for their delivery; None (and
        nothing left open) when none is due."""
        if self._take is None:
            raise RuntimeError("holding claims is for PostgreSQL relays of quick channels only")
        session = Session(self.db.engine, expire_on_commit=False)
        try:
            rows = self._take.rows(session.connection(), {"now": self.clock(), "limit": limit})
            messages = [Outgoing(*row) for row in rows]
            if not messages:
                session.commit()
                session.close()
                return None
            # The attempt being made (counted in the row when its outcome is written).
            held = [replace(m, attempts=m.attempts + 1) for m in sorted(messages, key=lambda m: m.id)]
            return session, held
        except BaseException:
            session.rollback()
            session.close()
            raise

    def _finish_held(self, session: Session, results: list[Result]) -> None:
        try:
            self._record(session, results, held=True)
            session.commit()
        except BaseException:
            session.rollback()  # the rows are let go as they were: delivered again at the next claim
            raise
        finally:
            session.close()

    async def _run_held_once(self, limit: int) -> int:
        """Take a batch, deliver it and write the outcomes in one transaction that holds the batch's rows
        locked throughout: no lease to write first, and a relay that dies mid-batch lets go of the rows
        at once (they are delivered again: at least once)."""
        held = await asyncio.to_thread(self._take_held, limit)
        if held is None:
            return 0
        session, messages = held
        try:
            results = await self.deliver(messages)
        except BaseException:
            await asyncio.to_thread(self._finish_held, session, [])  # nothing recorded: all stay pending
            raise
        await asyncio.to_thread(self._finish_held, session, results)
        return len(results)

    # --- delivery -------------------------------------------------------------------------------

    async def attempt(self, message: Outgoing) -> Result:
        channel = self.channels[message.channel]
        try:
            await asyncio.wait_for(channel.deliver(message), timeout=self.spec.lease_seconds * 0.9)
        except DeliveryFailed as failure:
            return message, failure
        except TimeoutError:
            return message, Retry(f"no answer within {self.spec.lease_seconds * 0.9:.0f} s")
        except Exception as exc:  # a defective channel must not stop the relay
            log.exception("outbox %s channel failed on %s", message.channel, message.message_id)
            return message, Retry(f"{type(exc).__name__}: {exc}")
        return message, None

    async def attempt_batch(self, channel_name: str, messages: list[Outgoing]) -> list[Result]:
        """Deliver several messages of a channel that takes them together (`deliver_many`)."""
        deliver_many = self.channels[channel_name].deliver_many  # type: ignore[attr-defined]
        try:
            async with asyncio.timeout(self.spec.lease_seconds * 0.9):
                failures: list[DeliveryFailed | None] = await deliver_many(messages)
        except TimeoutError:
            failure = Retry(f"no answer within {self.spec.lease_seconds * 0.9:.0f} s")
            return [(message, failure) for message in messages]
        except Exception as exc:  # a defective channel must not stop the relay
            log.exception("outbox %s channel failed on a batch of %d", channel_name, len(messages))
            return [(message, Retry(f"{type(exc).__name__}: {exc}")) for message in messages]
        return list(zip(messages, failures, strict=True))

    async def deliver(self, claimed: list[Outgoing]) -> list[Result]:
        """Deliver claimed messages: together for channels that can take a batch, else one by one."""
        sends = [send for send, _count in self._sends(claimed)]
        return [result for results in await asyncio.gather(*sends) for result in results]

    def _sends(self, claimed: list[Outgoing]) -> list[tuple[Coroutine[Any, Any, list[Result]], int]]:
        """One send per message, or per channel for channels with `deliver_many`; with message counts."""
        batches: dict[str, list[Outgoing]] = {}
        sends: list[tuple[Coroutine[Any, Any, list[Result]], int]] = []
        for message in claimed:
            if hasattr(self.channels[message.channel], "deliver_many"):
                batches.setdefault(message.channel, []).append(message)
            else:
                sends.append((self._one(message), 1))
        sends.extend((self.attempt_batch(name, batch), len(batch)) for name, batch in batches.items())
        return sends

    async def _one(self, message: Outgoing) -> list[Result]:
        return [await self.attempt(message)]

    async def run_once(self) -> int:
        """Claim one batch, deliver it, settle it; the number of messages handled (tests, draining)."""
        if self.holds:
            return await self._run_held_once(self.spec.batch_size)
        claimed = await asyncio.to_thread(self.claim, self.spec.batch_size)
        results = await self.deliver(claimed)
        if results:
            await asyncio.to_thread(self.settle, results)
        return len(results)

    def nudge(self) -> None:
        """Something was committed: look now. Safe from any thread.

        At a few hundred commits a second most nudges find a look already due (the wake event is set,
        or a nudge is on its way to set it): the look will see their rows, since the event is cleared
        only just before a claim. Those skip waking the event loop.
        """
        loop, event = self._loop, self._wake
        if loop is None or event is None or loop.is_closed() or event.is_set() or self._nudged:
            return
        self._nudged = True
        loop.call_soon_threadsafe(self._woken)

    def _woken(self) -> None:
        self._nudged = False
        if self._wake is not None:
            self._wake.set()

    async def _paced(self, last_claim: float) -> float:
        """Wait out the least gap between two claims; the time of this claim."""
        loop, wake_event = self._running()
        pause = last_claim + self.spec.min_claim_interval_seconds - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        wake_event.clear()
        return loop.time()

    def _running(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        if self._loop is None or self._wake is None:
            raise RuntimeError("the relay is not running")
        return self._loop, self._wake

    async def _held_round(self, limit: int) -> None:
        """PostgreSQL, quick channels: deliver one batch inside the transaction that holds it."""
        try:
            handled = await self._run_held_once(limit)
        except SQLAlchemyError as exc:
            log.warning("outbox relay cannot deliver a batch (%s); trying again shortly", exc)
            handled = 0
            await asyncio.sleep(max(1.0, self.spec.poll_seconds))
        if handled < limit:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._running()[1].wait(), self.spec.poll_seconds)

    async def _claimed(self, limit: int) -> list[Outgoing]:
        try:
            return await asyncio.to_thread(self.claim, limit)
        except SQLAlchemyError as exc:
            log.warning("outbox relay cannot claim (%s); trying again shortly", exc)
            await asyncio.sleep(max(1.0, self.spec.poll_seconds))
            return []

    async def _settle_finished(self, in_flight: dict[asyncio.Task[list[Result]], int]) -> None:
        finished = [task for task in in_flight if task.done()]
        if not finished:
            return
        for task in finished:
            del in_flight[task]
        outcomes = [result for task in finished for result in task.result()]
        try:
            await asyncio.to_thread(self.settle, outcomes)
        except SQLAlchemyError as exc:
            # Unrecorded outcomes stay leased and are sent again when the lease runs out.
            log.warning("outbox relay cannot record %d outcomes: %s", len(outcomes), exc)

    async def _leased_round(
        self, in_flight: dict[asyncio.Task[list[Result]], int], last_claim: float
    ) -> float:
        """Claim as many messages as there are free slots, then wait for a send, a nudge or the poll."""
        limit = min(self.spec.batch_size, self.spec.concurrency - sum(in_flight.values()))
        claimed: list[Outgoing] = []
        if limit > 0:
            last_claim = await self._paced(last_claim)
            claimed = await self._claimed(limit)
            for send, count in self._sends(claimed):
                in_flight[asyncio.create_task(send)] = count
        more_due = limit > 0 and len(claimed) == limit
        waiter = asyncio.create_task(self._running()[1].wait())
        await asyncio.wait(
            {*in_flight, waiter},
            timeout=0 if more_due else self.spec.poll_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        waiter.cancel()
        await self._settle_finished(in_flight)
        return last_claim

    async def _drain(self, in_flight: dict[asyncio.Task[list[Result]], int]) -> None:
        """Let sends under way finish and be recorded; what does not finish is re-sent later."""
        if not in_flight:
            return
        done, pending = await asyncio.wait(in_flight, timeout=5)
        for task in pending:
            task.cancel()
        if done:
            await asyncio.to_thread(self.settle, [r for task in done for r in task.result()])

    async def run(self) -> None:
        """Deliver until stopped: up to `concurrency` messages in flight, claiming as slots free up."""
        self._loop, self._wake, self._stopping = asyncio.get_running_loop(), asyncio.Event(), False
        unregister = wake.register(self.nudge, self.channels)
        listener = None
        if self.db.dialect == "postgresql":
            listener = asyncio.create_task(
                wake.listen_postgres(self.db.url, self.nudge, channels=self.channels), name="outbox listen"
            )
        in_flight: dict[asyncio.Task[list[Result]], int] = {}  # each send and how many messages it carries
        last_claim = float("-inf")
        next_prune = self._loop.time() + self.spec.prune_every_seconds
        try:
            while self.holds and not self._stopping:
                last_claim = await self._paced(last_claim)
                await self._held_round(min(self.spec.batch_size, self.spec.concurrency))
                next_prune = await self._prune_when_due(next_prune)
            while not self._stopping:
                last_claim = await self._leased_round(in_flight, last_claim)
                next_prune = await self._prune_when_due(next_prune)
        finally:
            unregister()
            if listener is not None:
                listener.cancel()
            await self._drain(in_flight)

    async def _prune_when_due(self, next_prune: float) -> float:
        """Prune if it is time; when to prune next."""
        if self._loop is None:
            raise RuntimeError("the relay prunes only while it runs")
        if self._loop.time() < next_prune:
            return next_prune
        try:
            await asyncio.to_thread(self.prune)
        except SQLAlchemyError as exc:
            log.warning("outbox relay cannot prune delivered messages: %s", exc)
        return self._loop.time() + self.spec.prune_every_seconds

    def stop(self) -> None:
        self._stopping = True
        self.nudge()

    def prune(self, *, batches: int = 20) -> int:
        """Delete what this relay's channels no longer keep, one short transaction per batch."""
        now = self.clock()
        kept = [
            and_(
                col(OutboxMessage.state) == MessageState.DELIVERED,
                col(OutboxMessage.delivered_at) <= now - timedelta(hours=self.spec.keep_delivered_hours),
            )
        ]
        if self.spec.keep_dead_hours is not None:
            kept.append(
                and_(
                    col(OutboxMessage.state) == MessageState.DEAD,
                    col(OutboxMessage.created_at) <= now - timedelta(hours=self.spec.keep_dead_hours),
                )
            )
        due = (
            sa_select(col(OutboxMessage.id))
            .where(col(OutboxMessage.channel).in_(list(self.channels)), or_(*kept))
            .limit(self.spec.prune_batch)
        )
        statement = delete(OutboxMessage).where(col(OutboxMessage.id).in_(due.scalar_subquery()))
        removed = 0
        for _ in range(batches):
            count = self.db.write(lambda s: s.execute(statement).rowcount)  # type: ignore[attr-defined]
            removed += count
            if count < self.spec.prune_batch:
                break
        return removed
