"""Reply shaping: decide prose vs tool calls from the first token, then constrain calls cheaply.

Deciding. Asked with tools on offer, this model spreads a call intention over many first tokens
(`{"`, `{\\n`, a fence, `<`) while prose concentrates on one or two (`I`, `To`), so plain greedy
decoding often picks prose that *describes* a call ("To find shoes, use search_products…").
In "auto" mode the first step therefore compares the total probability of call-opening tokens
with that of prose-opening ones and commits to the larger class. Prose then runs unconstrained
(its first token just may not open a call); calls run under the call grammar.

Constraining. llama-cpp-python 0.3.36 puts its grammar sampler in front of the chain, so every
token checks the grammar against all ~152k vocabulary entries — slower than the model itself on
a small CPU. Here the grammar is asked about the top-K candidates only, falling back to the
whole vocabulary when none fits (what llama.cpp's own CLI does); all other logits become -inf,
so greedy or temperature sampling downstream can only pick a grammatical token.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

TOP_K = 64
Mode = Literal["auto", "calls", "text"]
_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
CALL_OPENERS = ("<", "{", "[", "`")


class GrammarError(ValueError):
    """llama.cpp refused to parse the call grammar."""


@dataclass(frozen=True)
class ReplyShape:
    """How a reply may look: "text", "calls" (under `grammar`) or "auto" (decided first)."""

    mode: Mode
    grammar: str | None = None


@dataclass(frozen=True)
class TokenClasses:
    """Which vocabulary entries open a call and which open prose (computed once per model)."""

    opens_call: npt.NDArray[np.bool_]
    opens_text: npt.NDArray[np.bool_]

    @classmethod
    def from_pieces(cls, pieces: list[str]) -> TokenClasses:
        """Classify token texts: a call opens with < { [ or a fence; prose with anything else
        visible. Tokens with no visible text (control tokens, whitespace) open neither."""
        heads = [piece.lstrip()[:1] for piece in pieces]
        opens_call = np.array([h != "" and h in CALL_OPENERS for h in heads], dtype=np.bool_)
        opens_text = np.array([h != "" and h not in CALL_OPENERS for h in heads], dtype=np.bool_)
        return cls(opens_call, opens_text)


def choose_mode(logits: npt.NDArray[np.single], classes: TokenClasses) -> Mode:
    """Calls when call-opening tokens carry more probability than prose-opening ones."""
    shifted = np.exp(logits.astype(np.float64) - float(np.max(logits)))
    call_mass = float(shifted[classes.opens_call].sum())
    text_mass = float(shifted[classes.opens_text].sum())
    return "calls" if call_mass > text_mass else "text"


class ReplyConstraint:
    """A `logits_processor` for `Llama.generate`; one instance per generation."""

    def __init__(
        self,
        vocab: Any,
        classes: TokenClasses,
        mode: Mode,
        prompt_length: int,
        grammar: str | None = None,
    ) -> None:
        if mode != "text" and not grammar:
            raise GrammarError(f"mode {mode!r} needs a call grammar")
        self._classes = classes
        self.mode: Mode = mode
        self._prompt_length = prompt_length
        self._accepted = 0
        self._sampler = None
        if grammar and mode != "text":
            import llama_cpp

            self._lib = llama_cpp
            self._sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
            if not self._sampler:
                raise GrammarError("llama.cpp could not parse the call grammar")

    def close(self) -> None:
        """Free the native grammar sampler."""
        if self._sampler:
            self._lib.llama_sampler_free(self._sampler)
            self._sampler = None

    def __del__(self) -> None:
        self.close()

    def __call__(
        self, input_ids: npt.NDArray[np.intc], logits: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        """Mask what may not come next."""
        generated = len(input_ids) - self._prompt_length
        if generated == 0 and self.mode == "auto":
            self.mode = choose_mode(logits, self._classes)
        if self.mode == "text":
            if generated > 0:
                return logits
            return np.where(self._classes.opens_text, logits, -np.inf).astype(logits.dtype)
        for token in input_ids[self._prompt_length + self._accepted :]:
            self._lib.llama_sampler_accept(self._sampler, int(token))
            self._accepted += 1
        return self._mask_by_grammar(logits)

    def _mask_by_grammar(self, logits: npt.NDArray[np.single]) -> npt.NDArray[np.single]:
        top = np.argpartition(-logits, TOP_K)[:TOP_K]
        allowed = self._allowed(top, logits)
        if allowed.size == 0:
            allowed = self._allowed(np.arange(len(logits)), logits)
        masked = np.full_like(logits, -np.inf)
        masked[allowed] = logits[allowed]
        return masked

    def _allowed(self, ids: npt.NDArray[np.intp], logits: npt.NDArray[np.single]) -> Any:
        data = np.zeros(len(ids), dtype=_TOKEN_DATA)
        data["id"], data["logit"] = ids, logits[ids]
        array = self._lib.llama_token_data_array(
            data=data.ctypes.data_as(ctypes.POINTER(self._lib.llama_token_data)),
            size=len(ids),
            selected=-1,
            sorted=False,
        )
        self._lib.llama_sampler_apply(self._sampler, ctypes.byref(array))
        return data["id"][np.isfinite(data["logit"])]
