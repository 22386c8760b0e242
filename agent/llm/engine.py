"""The llama.cpp engine: one `llama_cpp.Llama`, token-level generation with stops and grammar.

Not thread-safe and not re-entrant: callers serialise access (the server holds an asyncio lock
around every call). Generation goes through `Llama.generate`, which keeps the KV cache of the
previous prompt and re-evaluates only the part after the longest common token prefix — that is
what makes a byte-identical system prompt and tool block cheap after the first request.
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.llm.prompt import Segment

DEFAULT_MAX_TOKENS = 1024


class ContextOverflow(ValueError):
    """The prompt does not fit the context window."""


@dataclass
class GenerationResult:
    """What one generation produced and what it cost."""

    text: str = ""
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    prompt_seconds: float = 0.0
    total_seconds: float = 0.0
    first_token_at: float | None = None
    started_at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class SamplingParams:
    """Per-request sampling settings."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int | None = None
    stops: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0


def _held_back(text: str, stops: tuple[str, ...]) -> int:
    """How many trailing characters might be the start of a stop string."""
    hold = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), hold, -1):
            if text.endswith(stop[:k]):
                hold = k
                break
    return hold


class Engine:
    """A loaded model plus the bookkeeping to stream text from it."""

    def __init__(self, model_path: Path, n_ctx: int = 8192, n_threads: int = 0) -> None:
        from llama_cpp import Llama

        threads = n_threads or os.cpu_count() or 1
        started = time.perf_counter()
        self.llm = Llama(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            verbose=False,
        )
        self.load_seconds = time.perf_counter() - started
        self.n_ctx = n_ctx
        # <|im_start|> is no end-of-generation token, but a model emitting it is inventing the
        # next turn; stop there too.
        self._turn_start = set(self.llm.tokenize(b"<|im_start|>", add_bos=False, special=True))

    def tokenize(self, segments: list[Segment]) -> list[int]:
        """Tokenize prompt segments; only template segments may produce control tokens."""
        tokens: list[int] = []
        for segment in segments:
            if segment.text:
                data = segment.text.encode("utf-8")
                tokens += self.llm.tokenize(data, add_bos=False, special=segment.special)
        return tokens

    def _is_end(self, token: int) -> bool:
        import llama_cpp

        if token in self._turn_start:
            return True
        return bool(llama_cpp.llama_vocab_is_eog(self.llm._model.vocab, token))

    def cached_prefix(self, tokens: list[int]) -> int:
        """Length of the prompt prefix whose KV state is already evaluated."""
        count = 0
        for a, b in zip(self.llm._input_ids[: self.llm.n_tokens], tokens, strict=False):
            if a != b:
                break
            count += 1
        return count

    def generate(
        self,
        tokens: list[int],
        params: SamplingParams,
        grammar_text: str | None = None,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        """Generate a reply to `tokens`, calling `on_text` with each safe-to-show delta."""
        from llama_cpp import LlamaGrammar

        if len(tokens) >= self.n_ctx:
            raise ContextOverflow(f"prompt has {len(tokens)} tokens; the context is {self.n_ctx}")
        room = self.n_ctx - len(tokens)
        limit = min(params.max_tokens or DEFAULT_MAX_TOKENS, room)
        result = GenerationResult(
            prompt_tokens=len(tokens), cached_tokens=self.cached_prefix(tokens)
        )
        grammar = LlamaGrammar.from_string(grammar_text, verbose=False) if grammar_text else None
        if params.seed is not None:
            self.llm.set_seed(params.seed)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        emitted = 0
        result.finish_reason = "length"
        for token in self.llm.generate(
            tokens,
            temp=params.temperature,
            top_p=params.top_p,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.0,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
            grammar=grammar,
        ):
            if result.first_token_at is None:
                result.first_token_at = time.perf_counter()
                result.prompt_seconds = result.first_token_at - result.started_at
            if self._is_end(token):
                result.finish_reason = "stop"
                break
            result.completion_tokens += 1
            result.text += decoder.decode(self.llm.detokenize([token]))
            cut = _first_stop(result.text, params.stops, emitted)
            if cut is not None:
                result.text = result.text[:cut]
                result.finish_reason = "stop"
                break
            safe = len(result.text) - _held_back(result.text, params.stops)
            if on_text and safe > emitted:
                on_text(result.text[emitted:safe])
                emitted = safe
            if cancel is not None and cancel.is_set():
                result.finish_reason = "cancelled"
                break
            if result.completion_tokens >= limit:
                break
        result.text += decoder.decode(b"", final=True)
        if on_text and len(result.text) > emitted:
            on_text(result.text[emitted:])
        result.total_seconds = time.perf_counter() - result.started_at
        return result


def _first_stop(text: str, stops: tuple[str, ...], emitted: int) -> int | None:
    """Index of the earliest stop string in the not-yet-emitted tail, if any."""
    best: int | None = None
    for stop in stops:
        index = text.find(stop, max(0, emitted - len(stop) + 1))
        if index != -1 and (best is None or index < best):
            best = index
    return best
