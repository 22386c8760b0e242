"""DomTok's OpenAI-compatible server around `llama_cpp.Llama` (not llama_cpp.server).

Run: `python -m agent.llm.server [--host 127.0.0.1] [--port 8088]` or `domtok llm serve`.

The port opens at once; the model loads in the background and `GET /health` answers 503
`{"status": "loading"}` until it is loaded and warmed up, then 200 `{"status": "ok"}`.

Warm-up: tools arrive per request, so the server cannot know the agent's tool block in advance.
It evaluates a warm-up request file when one is given (`--warmup FILE` / DOMTOK_LLM_WARMUP_FILE,
a chat-completion body with the agent's system prompt and tools: its prefix then stays in the
KV cache for the first real request) and otherwise just the default system turn, which pages
the weights in. `agent.llm.launcher.ensure_local_server(..., warmup=...)` does the same over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from agent.llm import prompt_state
from agent.llm.assemble import MODEL_ID
from agent.llm.chat import ChatService, PreparedChat
from agent.llm.protocol import SERVER_NAME, ChatCompletionRequest, ChatMessage, InvalidRequest

logger = logging.getLogger("domtok.llm")
T = TypeVar("T")
READY_TIMEOUT_SECONDS = 600.0


class ServerState:
    """The loaded service (None while loading), its readiness and the generation lock."""

    def __init__(self) -> None:
        self.service: ChatService | None = None
        self.error: str | None = None
        self.ready = asyncio.Event()
        self.lock = asyncio.Lock()


def warm_up(service: ChatService, warmup_file: Path | None) -> None:
    """Evaluate the warm-up request (or the default system turn) once, generating one token.

    A warm-up request's evaluated state is saved beside the model and loaded on the next start
    (see :mod:`agent.llm.prompt_state`).
    """
    if warmup_file is None:
        request = ChatCompletionRequest(
            messages=[ChatMessage(role="user", content="hi")], max_tokens=1
        )
        service.complete(service.prepare(request))
        return
    body = json.loads(warmup_file.read_text())
    request = ChatCompletionRequest.model_validate({**body, "stream": False, "max_tokens": 1})
    chat = service.prepare(request)
    engine = service.engine
    saved = prompt_state.state_path(engine.model_path.parent, engine.model_path, chat.tokens)
    if prompt_state.restore(engine.llm, saved):
        logger.info("warm-up prompt state loaded (%d tokens)", len(chat.tokens))
        return
    service.complete(chat)
    try:
        prompt_state.save(engine.llm, saved)
    except OSError as exc:  # a read-only cache only costs the next start its warm-up
        logger.warning("could not save the warm-up prompt state: %s", exc)


def _rss_mb() -> float | None:
    """Resident memory of this process (Linux), for /health and benchmarks."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _error(status: int, message: str, code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def create_app(load: Callable[[], ChatService], warmup_file: Path | None = None) -> FastAPI:
    """The FastAPI app; `load` builds the service (slow) and runs in a worker thread."""
    state = ServerState()

    async def _load() -> None:
        try:
            service = await asyncio.to_thread(load)
            await asyncio.to_thread(warm_up, service, warmup_file)
            state.service = service
            logger.info("model ready")
        except Exception as exc:  # reported through /health; the process keeps serving it
            logger.exception("model failed to load")
            state.error = f"{type(exc).__name__}: {exc}"
        finally:
            state.ready.set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_load())
        yield
        task.cancel()

    app = FastAPI(title="DomTok local LLM", lifespan=lifespan)
    app.state.llm = state

    async def _service() -> ChatService:
        try:
            await asyncio.wait_for(state.ready.wait(), READY_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise RuntimeError("model still loading") from exc
        if state.service is None:
            raise RuntimeError(state.error or "model not loaded")
        return state.service

    @app.get("/health")
    async def health() -> JSONResponse:
        """Liveness and readiness: 200 once the model is loaded and warmed up."""
        body: dict[str, Any] = {"server": SERVER_NAME, "model": MODEL_ID}
        if state.service is not None:
            load_seconds = round(state.service.engine.load_seconds, 2)
            body |= {"status": "ok", "load_seconds": load_seconds, "rss_mb": _rss_mb()}
            return JSONResponse(body)
        body |= {"status": "error" if state.error else "loading", "error": state.error}
        return JSONResponse(body, status_code=503)

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        """The one model this server runs."""
        entry = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "domtok"}
        return {"object": "list", "data": [entry]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(raw: Request) -> JSONResponse | StreamingResponse:
        """OpenAI chat completions with tools, tool_choice and streaming."""
        try:
            request = ChatCompletionRequest.model_validate(await raw.json())
        except (ValidationError, ValueError) as exc:
            return JSONResponse(InvalidRequest(str(exc)).to_body(), status_code=400)
        try:
            service = await _service()
        except RuntimeError as exc:
            return _error(503, str(exc), "model_unavailable")
        try:
            chat = await asyncio.to_thread(service.prepare, request)
        except InvalidRequest as exc:
            return JSONResponse(exc.to_body(), status_code=400)
        if request.stream:
            return StreamingResponse(
                _stream(service, chat, state.lock),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        worker = await _locked_worker(state.lock, lambda: service.complete(chat))
        return JSONResponse(await asyncio.shield(worker))

    return app


async def _stream(
    service: ChatService, chat: PreparedChat, lock: asyncio.Lock
) -> AsyncIterator[str]:
    """SSE frames of one streamed completion, ending with `data: [DONE]`.

    A client that disconnects mid-stream sets `cancel`, which stops generation at the next token.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    cancel = threading.Event()

    def emit(chunk: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, chunk)

    def run() -> None:
        try:
            service.stream(chat, emit, cancel)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    worker = await _locked_worker(lock, run)
    try:
        while (chunk := await queue.get()) is not None:
            yield "data: " + json.dumps(chunk, ensure_ascii=False) + "\n\n"
        try:
            await asyncio.shield(worker)
        except Exception as exc:  # the stream has started: report in-band, as OpenAI does
            error = {"error": {"message": str(exc), "type": "server_error"}}
            yield "data: " + json.dumps(error) + "\n\n"
        yield "data: [DONE]\n\n"
    finally:
        cancel.set()


async def _locked_worker(lock: asyncio.Lock, work: Callable[[], T]) -> asyncio.Future[T]:
    """Run `work` in a thread while holding `lock`; the thread's end releases it.

    Releasing on completion rather than when the awaiting request ends matters: a client that
    disconnects cancels its request, but the model is busy until the thread returns.
    """
    await lock.acquire()
    try:
        worker = asyncio.ensure_future(asyncio.to_thread(work))
    except BaseException:
        lock.release()
        raise
    worker.add_done_callback(lambda _: lock.release())
    return worker


def build_service(model_dir: Path | None, n_ctx: int, threads: int) -> ChatService:
    """Assemble/verify the model if needed, load it, and wrap it in a ChatService."""
    from agent.llm.assemble import ensure_model
    from agent.llm.engine import Engine

    path = ensure_model(model_dir, show_progress=False)
    engine = Engine(path, n_ctx=n_ctx, n_threads=threads)
    logger.info("model loaded in %.1f s (n_ctx=%d)", engine.load_seconds, n_ctx)
    return ChatService(engine, MODEL_ID)


def require_runtime() -> None:
    """Refuse at once when llama.cpp's bindings cannot be imported, before anything starts (the
    model is loaded later, inside the server, where the failure would be a logged traceback)."""
    from agent.llm.assemble import ModelError

    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"The local model's runtime (llama-cpp-python) is not installed ({exc}): run "
            "`make local-model` (scripts/install_local_model.sh)."
        ) from exc


def serve(
    host: str,
    port: int,
    n_ctx: int,
    threads: int,
    model_dir: Path | None = None,
    warmup_file: Path | None = None,
) -> None:
    """Assemble the model if needed, then serve until interrupted."""
    import uvicorn

    from agent.llm.assemble import ensure_model

    require_runtime()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    ensure_model(model_dir, show_progress=True)
    app = create_app(lambda: build_service(model_dir, n_ctx, threads), warmup_file)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: defaults come from DomTok settings."""
    from config.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m agent.llm.server", description=__doc__)
    parser.add_argument("--host", default=settings.llm_host)
    parser.add_argument("--port", type=int, default=settings.llm_port)
    parser.add_argument("--n-ctx", type=int, default=settings.llm_n_ctx)
    parser.add_argument("--threads", type=int, default=settings.llm_threads)
    parser.add_argument("--model-dir", type=Path, default=settings.model_dir)
    parser.add_argument("--warmup", type=Path, default=settings.llm_warmup_file)
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.n_ctx, args.threads, args.model_dir, args.warmup)


if __name__ == "__main__":
    main()
