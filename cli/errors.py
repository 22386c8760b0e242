"""Failures of any ``domtok`` command as one line on stderr and exit status 1.

A bad ``DOMTOK_DATABASE_URL``, an unreachable database, a missing schema or an invalid setting
is a problem of the operator's setup, not of DomTok: a traceback would bury the one fact that
matters. ``domtok --debug …`` shows the traceback instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from services.kernel.errors import ShopError

DEBUG_KEY = "domtok.debug"
URL_VAR = "DOMTOK_DATABASE_URL"


class DomTokGroup(TyperGroup):
    """The top-level command group: every subcommand's unexpected failure is explained."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; explain a failure in one line unless ``--debug`` asked otherwise."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # usage errors, deliberate exits
            raise
        except Exception as exc:
            if ctx.meta.get(DEBUG_KEY):
                raise
            typer.echo(f"error: {explain(exc)}", err=True)
            raise typer.Exit(1) from exc


def explain(exc: BaseException) -> str:
    """One line saying what went wrong and what to do about it."""
    for cause in _chain(exc):
        found = _known(cause)
        if found is not None:
            return found
    text = _first_line(exc) or type(exc).__name__
    return f"{text} (run `domtok --debug …` for the traceback)"


def _known(exc: BaseException) -> str | None:
    message = _first_line(exc)
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return _settings_problem(exc)
    if isinstance(exc, ArgumentError | NoSuchModuleError) or _bad_port(exc):
        return f"{URL_VAR} is not a usable database URL: {message}"
    if "no such table" in message or ('relation "' in message and "does not exist" in message):
        return f"the database has no DomTok schema ({message}): run `domtok migrate`"
    if isinstance(exc, OSError | TimeoutError | OperationalError) or _refused_login(exc):
        return f"cannot reach the database ({URL_VAR}): {message or type(exc).__name__}"
    if isinstance(exc, ShopError):
        return exc.message
    return None


def _bad_port(exc: BaseException) -> bool:
    """SQLAlchemy's URL parser lets a non-numeric port through to ``int()``."""
    return isinstance(exc, ValueError) and "invalid literal for int()" in str(exc)


def _refused_login(exc: BaseException) -> bool:
    """asyncpg's refusals of a login: wrong password, no such database, still starting."""
    name = type(exc).__name__
    return name in {"InvalidPasswordError", "InvalidCatalogNameError", "CannotConnectNowError"}


def _settings_problem(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        names = [str(part) for part in error["loc"]]
        if names:
            variable = "DOMTOK_" + names[0].upper()
            problems.append(f"{variable}: {error['msg']} (got {error.get('input')!r})")
        else:
            problems.append(error["msg"])
    return "invalid setting " + "; ".join(problems)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what it was raised from (wrapped driver errors included)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and id(orig) not in seen:
            yield orig
            seen.add(id(orig))
        current = current.__cause__ or current.__context__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
