"""The simulated customer of ``tau run``: a language model playing a τ task's instructions (as
τ-bench does), or a scripted customer for the deterministic smoke run."""

from __future__ import annotations

from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from services.tau.tasks import TauTask

STOP = "###STOP###"
TRANSFER = "###TRANSFER###"
OUT_OF_SCOPE = "###OUT-OF-SCOPE###"
END_TOKENS = (STOP, TRANSFER, OUT_OF_SCOPE)

GREETING = "Hi! How can I help you today?"
RETRY_GREETING = "Sorry, I did not catch that. What can I help you with today?"

# Instructions first and the end token last: a small model told early how to end a
# conversation tends to end it in its first message.
CUSTOMER_PROMPT = """You are a customer talking to an online store's customer-service agent. \
Play the customer described below, in the first person, one short message at a time.

{instructions}

Rules:
- Tell the agent what you want in your own words; give details (name, email, zip code, order) \
only when the agent asks for them, and only those you were given. Never invent ids or details; \
if asked for something you do not know, say so.
- When the agent asks you to confirm an action, answer "yes" only if it is exactly what you \
want, otherwise answer "no" and say what is wrong.
- If you are transferred to a human agent, reply with exactly {transfer}.
- Only after everything you wanted is done, or the agent says it cannot be done, reply with \
exactly {stop} and nothing else."""


def instructions_text(task: TauTask) -> str:
    """A task's customer instructions as labelled paragraphs."""
    labels = {
        "reason_for_call": "Why you are contacting the store",
        "known_info": "What you know",
        "unknown_info": "What you do not know",
        "task_instructions": "How you behave",
    }
    parts = []
    for key, label in labels.items():
        value: Any = task.instructions.get(key)
        if value:
            parts.append(f"{label}: {value}")
    persona = task.scenario.get("persona")
    if persona:
        parts.append(f"Persona: {persona}")
    return "\n".join(parts)


def ended(text: str) -> bool:
    """The customer closed the conversation."""
    return any(token in text for token in END_TOKENS)


class Customer(Protocol):
    """Someone the support agent talks to."""

    async def start(self) -> str:
        """The first message."""
        ...

    async def reply(self, agent_text: str) -> str:
        """The answer to the agent's message."""
        ...


class LLMCustomer:
    """A chat model playing the task's customer (its own turns are the model's messages)."""

    def __init__(self, model: BaseChatModel, task: TauTask) -> None:
        self._model = model
        prompt = CUSTOMER_PROMPT.format(
            stop=STOP, transfer=TRANSFER, instructions=instructions_text(task)
        )
        self._messages: list[BaseMessage] = [SystemMessage(prompt)]

    async def start(self) -> str:
        """Answer the agent's greeting with the reason for the call. Ending the conversation
        before saying anything is never what a customer means (small models do it), so the
        agent asks once more."""
        text = await self.reply(GREETING)
        if ended(text):
            text = await self.reply(RETRY_GREETING)
        return text

    async def reply(self, agent_text: str) -> str:
        """The model's next customer message."""
        self._messages.append(HumanMessage(agent_text or "(the agent said nothing)"))
        response = await self._model.ainvoke(self._messages)
        text = response.text.strip() or STOP
        self._messages.append(AIMessage(text))
        return text


class ScriptedCustomer:
    """Says hello, approves every confirmation, and leaves once the agent answers in words."""

    async def start(self) -> str:
        """A fixed opening."""
        return "Hi, I need some help with my orders."

    async def reply(self, agent_text: str) -> str:
        """Yes to a confirmation, otherwise goodbye."""
        if agent_text.startswith("Please confirm") or "Please confirm:" in agent_text:
            return "Yes, please proceed."
        return STOP
