"""The chat service: runs the agent for a user's message or confirmation and reports events.

Every entry point (JSON, SSE and WebSocket endpoints, ``domtok chat``) goes through it, so they
share thread ownership, confirmation checks and one event vocabulary (:mod:`agent.events`).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError
from langgraph.types import Command, StateSnapshot

from agent.checkpointer import agent_store_url, open_checkpointer
from agent.confirmation import resume_value
from agent.context import AgentContext, AgentLimits, ToolModel
from agent.events import ChatEvent, Turn, graph_events
from agent.executor import error_message, pending_calls
from agent.graph import AgentGraph, build_graph, turn_input
from agent.history import pending_of, to_messages
from agent.models import ModelUnavailable, make_model
from agent.planning import tools_to_bind
from agent.prompts import reply_text
from agent.redaction import redact_card_data
from agent.schemas import ChatResponse, ThreadDetail, ThreadOut, ToolCallOut
from agent.telemetry import AgentTelemetry, TracedModel, count_turn, turn_span
from agent.threads import ThreadStore
from config.settings import ModelProvider
from services.bootstrap import Container
from services.kernel.actor import Actor
from services.kernel.errors import Conflict, ShopError
from services.kernel.pagination import Page, PageRequest
from tools.base import error_payload

log = logging.getLogger(__name__)


class NoPendingConfirmation(Conflict):
    code = "no_pending_confirmation"


class ConfirmationMismatch(Conflict):
    code = "confirmation_mismatch"


@dataclass(frozen=True)
class NewMessage:
    """A run started by the shopper's message."""

    text: str


@dataclass(frozen=True)
class Answer:
    """A run started by the shopper's answer to a confirmation."""

    confirmation_id: str
    approve: bool


Start = NewMessage | Answer


class ChatRun:
    """A prepared run: iterate :meth:`events`, or await :meth:`response` for the JSON shape."""

    def __init__(self, service: ChatService, actor: Actor, thread_id: str, start: Start) -> None:
        self._service = service
        self._actor = actor
        self.thread_id = thread_id
        self._start = start

    async def events(self) -> AsyncIterator[ChatEvent]:
        """Stream the run's events; the last one is always ``done``.

        The run itself is a task of the service: if the client goes away mid-turn (a closed
        SSE stream or socket) the turn still finishes, so a payment that went through is
        recorded in the conversation rather than half-written.
        """
        queue: asyncio.Queue[ChatEvent | None] = asyncio.Queue()
        self._service.spawn(self._produce(queue))
        while (event := await queue.get()) is not None:
            yield event

    async def _produce(self, queue: asyncio.Queue[ChatEvent | None]) -> None:
        try:
            with turn_span(self._actor.user_id, self.thread_id):
                async with self._service.thread_lock(self.thread_id):
                    async for event in self._service.execute(
                        self._actor, self.thread_id, self._start
                    ):
                        queue.put_nowait(event)
        finally:
            queue.put_nowait(None)

    async def response(self) -> ChatResponse:
        """Run to the end and return the ``done`` payload (503 when the model was unreachable)."""
        final: ChatResponse | None = None
        unavailable: str | None = None
        async for event in self.events():
            if event.event == "error" and event.data.get("code") == ModelUnavailable.code:
                unavailable = str(event.data["message"])
            if event.event == "done":
                final = ChatResponse.model_validate(event.data)
        if unavailable is not None:
            raise ModelUnavailable(unavailable)
        assert final is not None
        return final


class ChatService:
    """Conversations of the shop's users with the agent."""

    def __init__(
        self,
        container: Container,
        graph: AgentGraph,
        threads: ThreadStore,
        *,
        model: BaseChatModel | None = None,
        provider: ModelProvider | None = None,
    ) -> None:
        self.container = container
        self.graph = graph
        self.threads = threads
        # A model handed in is not the configured provider's: it plans only if told to.
        chosen = "custom" if model is not None else provider
        self.limits = AgentLimits.from_settings(container.settings, chosen)
        self._model = model
        self._provider = provider
        self._bound: ToolModel | None = None
        self._model_lock = asyncio.Lock()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        container: Container,
        *,
        model: BaseChatModel | None = None,
        provider: ModelProvider | None = None,
    ) -> AsyncIterator[ChatService]:
        """The service with its checkpointer and thread table open; closed on exit."""
        settings = container.settings
        async with open_checkpointer(settings) as saver:
            threads = await ThreadStore.open(agent_store_url(settings), container.clock)
            service = cls(container, build_graph(saver), threads, model=model, provider=provider)
            try:
                yield service
            finally:
                await service.drain()
                await threads.aclose()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a turn as a task the service keeps until it ends."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 30.0) -> None:
        """Let running turns finish before the checkpointer closes."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def model(self) -> ToolModel:
        """The tool-bound model, built on first use (the local provider may start a server)."""
        async with self._model_lock:
            if self._bound is None:
                model = self._model
                if model is None:
                    settings = self.container.settings
                    model = await asyncio.to_thread(make_model, settings, self._provider)
                bound = model.bind_tools(tools_to_bind(self.limits.planning))
                self._bound = TracedModel(bound, self._provider_name())
            return self._bound

    def _provider_name(self) -> str:
        return self._provider or self.container.settings.model_provider

    async def start_message(self, actor: Actor, message: str, thread_id: str | None) -> ChatRun:
        """Prepare a run for a shopper's message in a new or (owned) existing thread."""
        # Before anything stores or reads it: thread title, checkpoint, model, logs.
        message = redact_card_data(message)
        await self.model()
        if thread_id is None:
            thread = await self.threads.create(actor.user_id, message)
        else:
            thread = await self.threads.get(actor.user_id, thread_id)
        return ChatRun(self, actor, thread.id, NewMessage(message))

    async def start_confirm(
        self, actor: Actor, thread_id: str, confirmation_id: str, approve: bool
    ) -> ChatRun:
        """Prepare a run answering the thread's pending confirmation (409 if it is not that one)."""
        await self.threads.get(actor.user_id, thread_id)
        await self._check_pending(thread_id, confirmation_id)
        await self.model()
        return ChatRun(self, actor, thread_id, Answer(confirmation_id, approve))

    async def list_threads(self, actor: Actor, paging: PageRequest) -> Page[ThreadOut]:
        """The user's conversations, most recent first."""
        return await self.threads.list(actor.user_id, paging)

    async def get_thread(self, actor: Actor, thread_id: str) -> ThreadDetail:
        """One of the user's conversations with its messages."""
        thread = await self.threads.get(actor.user_id, thread_id)
        state = await self.graph.aget_state(_config(thread_id, self.limits))
        return ThreadDetail(
            **thread.model_dump(),
            messages=to_messages(_messages(state)),
            pending_confirmation=pending_of(state.interrupts),
        )

    @asynccontextmanager
    async def thread_lock(self, thread_id: str) -> AsyncIterator[None]:
        """One run at a time per thread, across processes (a confirmation cannot run twice).

        Runs of this process queue on an in-process lock first, so only one of them at a time
        holds a database connection waiting for the shared lock.
        """
        lock = self._locks.get(thread_id)
        if lock is None:
            lock = self._locks[thread_id] = asyncio.Lock()
        async with lock, self.threads.exclusive(thread_id):
            yield

    async def execute(self, actor: Actor, thread_id: str, start: Start) -> AsyncIterator[ChatEvent]:
        """Run the graph for ``start`` and translate its stream into chat events."""
        config = _config(thread_id, self.limits)
        config["callbacks"] = [AgentTelemetry(self._provider_name())]
        turn = Turn(thread_id)
        shopper_text = start.text if isinstance(start, NewMessage) else ""
        outcome = "ok"
        try:
            graph_input = await self._graph_input(config, start, turn)
            context = AgentContext(actor, self.container, await self.model(), self.limits)
            async for event in graph_events(self.graph, graph_input, config, context, turn):
                yield event
        except GraphRecursionError:
            outcome = "limit"
            log.warning("recursion limit reached in thread %s", thread_id)
            text = reply_text("limit", shopper_text)
            await self._close_open_calls(config, text)
            turn.replies.append(text)
            yield ChatEvent("token", {"text": text})
        except ShopError as exc:
            outcome = "refused"
            log.warning("chat run refused in thread %s: %s", thread_id, exc.code)
            turn.replies.append(exc.message)
            yield ChatEvent("error", {"code": exc.code, "message": exc.message})
        except Exception:
            outcome = "error"
            log.exception("chat run failed in thread %s", thread_id)
            text = reply_text("apology", shopper_text)
            turn.replies.append(text)
            yield ChatEvent("error", {"code": "internal_error", "message": text})
        count_turn(outcome)
        await self.threads.touch(thread_id)
        yield ChatEvent("done", turn.response().model_dump(mode="json"))

    async def _graph_input(self, config: RunnableConfig, start: Start, turn: Turn) -> Any:
        open_calls = pending_calls(_messages(await self.graph.aget_state(config)))
        if isinstance(start, Answer):
            await self._check_pending(config["configurable"]["thread_id"], start.confirmation_id)
            # The calls being resumed were announced by an earlier run; their args come from it.
            for call in open_calls:
                turn.calls[call["id"] or ""] = ToolCallOut(name=call["name"], args=call["args"])
            return Command(resume=resume_value(start.confirmation_id, start.approve))
        # A new message instead of an answer declines what was waiting: every open call gets a
        # result so the conversation stays well-formed for the model.
        superseded = error_payload(
            "superseded", "The shopper sent a new message instead of confirming; nothing was done."
        )
        graph_input = dict(turn_input(start.text))
        closing = [error_message(call, superseded) for call in open_calls]
        graph_input["messages"] = [*closing, *graph_input["messages"]]
        return graph_input

    async def _check_pending(self, thread_id: str, confirmation_id: str) -> None:
        state = await self.graph.aget_state(_config(thread_id, self.limits))
        pending = pending_of(state.interrupts)
        if pending is None:
            raise NoPendingConfirmation("This conversation is not waiting for a confirmation.")
        if pending.id != confirmation_id:
            raise ConfirmationMismatch(
                "That confirmation is not the one waiting; answer the pending one.",
                details={"pending_confirmation_id": pending.id},
            )

    async def _close_open_calls(self, config: RunnableConfig, text: str) -> None:
        messages = _messages(await self.graph.aget_state(config))
        failure = error_payload("turn_limit", "Not run: the turn's step limit was reached.")
        closing: list[BaseMessage] = [
            error_message(call, failure) for call in pending_calls(messages)
        ]
        await self.graph.aupdate_state(
            config, {"messages": [*closing, AIMessage(text)]}, as_node="act"
        )


def _messages(state: StateSnapshot) -> Sequence[BaseMessage]:
    values = state.values if isinstance(state.values, dict) else {}
    messages: Sequence[BaseMessage] = values.get("messages", [])
    return messages


def _config(thread_id: str, limits: AgentLimits) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}, "recursion_limit": limits.recursion_limit}
