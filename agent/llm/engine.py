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

from agent.llm.constraint import ReplyConstraint, ReplyShape, TokenClasses
from agent.llm.prompt import Segment

DEFAULT_MAX_TOKENS = 1024

# llama.cpp's OpenMP workers spin while waiting for each other. With more runnable threads than
# cores (a shared 2-core machine, tests and servers side by side) a spinning worker starves the
# one it waits for: measured 0.2 tokens/s spinning vs 2.0-2.5 passive under the same load. Must
# be set before llama_cpp (and so libgomp) is loaded; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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
        self.model_path = model_path
        self.n_ctx = n_ctx
        # <|im_start|> is no end-of-generation token, but a model emitting it is inventing the
        # next turn; stop there too.
        self._turn_start = set(self.llm.tokenize(b"<|im_start|>", add_bos=False, special=True))
        self.classes = TokenClasses.from_pieces(
            [
                self.llm.detokenize([token]).decode("utf-8", errors="ignore")
                for token in range(self.llm.n_vocab())
            ]
        )

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
        shape: ReplyShape | None = None,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        """Generate a reply to `tokens`, calling `on_text` with each safe-to-show delta.

        `shape` (with tools on offer) decides prose vs calls and constrains calls; without
        it generation is free.
        """
        from llama_cpp import LogitsProcessorList

        if len(tokens) >= self.n_ctx:
            raise ContextOverflow(f"prompt has {len(tokens)} tokens; the context is {self.n_ctx}")
        limit = min(params.max_tokens or DEFAULT_MAX_TOKENS, self.n_ctx - len(tokens))
        result = GenerationResult(
            prompt_tokens=len(tokens), cached_tokens=self.cached_prefix(tokens)
        )
        constraint = None
        if shape is not None:
            constraint = ReplyConstraint(
                self.llm._model.vocab,
                self.classes,
                shape.mode,
                len(tokens),
                shape.grammar,
            )
        if params.seed is not None:
            self.llm.set_seed(params.seed)
        text = _TextAssembler(params.stops, on_text)
        stream = self.llm.generate(
            tokens,
            temp=params.temperature,
            top_p=params.top_p,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.0,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
            logits_processor=LogitsProcessorList([constraint]) if constraint else None,
        )
        result.finish_reason = "length"
        try:
            for token in stream:
                if result.first_token_at is None:
                    result.first_token_at = time.perf_counter()
                    result.prompt_seconds = result.first_token_at - result.started_at
                if self._is_end(token):
                    result.finish_reason = "stop"
                    break
                result.completion_tokens += 1
                if text.add(self.llm.detokenize([token])):
                    result.finish_reason = "stop"
                    break
                if cancel is not None and cancel.is_set():
                    result.finish_reason = "cancelled"
                    break
                if result.completion_tokens >= limit:
                    break
        finally:
            stream.close()
            if constraint is not None:
                constraint.close()
        result.text = text.finish()
        result.total_seconds = time.perf_counter() - result.started_at
        return result


class _TextAssembler:
    """Decodes token bytes into text, cuts at stop strings, emits only text that is final."""

    def __init__(self, stops: tuple[str, ...], on_text: Callable[[str], None] | None) -> None:
        self.stops, self.on_text = stops, on_text
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text = ""
        self.emitted = 0
        self.stopped = False

    def add(self, data: bytes) -> bool:
        """Append a token's bytes; True when a stop string ended the reply."""
        self.text += self.decoder.decode(data)
        cut = _first_stop(self.text, self.stops, self.emitted)
        if cut is not None:
            self.text, self.stopped = self.text[:cut], True
            return True
        self._emit(len(self.text) - _held_back(self.text, self.stops))
        return False

    def finish(self) -> str:
        """Flush and return the whole text."""
        if not self.stopped:
            self.text += self.decoder.decode(b"", final=True)
        self._emit(len(self.text))
        return self.text

    def _emit(self, upto: int) -> None:
        if self.on_text and upto > self.emitted:
            self.on_text(self.text[self.emitted : upto])
        self.emitted = max(self.emitted, upto)


def _first_stop(text: str, stops: tuple[str, ...], emitted: int) -> int | None:
    """Index of the earliest stop string in the not-yet-emitted tail, if any."""
    best: int | None = None
    for stop in stops:
        index = text.find(stop, max(0, emitted - len(stop) + 1))
        if index != -1 and (best is None or index < best):
            best = index
    return best
