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

CUSTOMER_PROMPT = """You are playing a customer who contacts an online store's customer-service \
agent. Stay in character and follow your instructions below.

How to behave:
- Write one short message at a time, as a real customer would; do not give all the \
information at once, only what the agent needs next.
- Use only the information in your instructions. Never make up ids, names, addresses or \
payment details; if asked for something you do not know, say that you do not know it.
- Do not copy your instructions word for word; say things in your own words.
- When the agent asks you to confirm an action, answer "yes" only if it is exactly what you \
want; otherwise answer "no" and say what is wrong.
- When everything you wanted is done, or cannot be done, write only {stop}. If you are \
transferred to a human agent, write only {transfer}. If the agent cannot help with your request \
at all, write only {out_of_scope}.

Your instructions:
{instructions}"""


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
            stop=STOP,
            transfer=TRANSFER,
            out_of_scope=OUT_OF_SCOPE,
            instructions=instructions_text(task),
        )
        self._messages: list[BaseMessage] = [SystemMessage(prompt)]

    async def start(self) -> str:
        """Answer the agent's greeting with the reason for the call."""
        return await self.reply(GREETING)

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
