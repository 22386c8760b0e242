"""All SQL of the users context (reads and writes inside a unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.users.models import (
    Address,
    GiftCard,
    PaymentMethod,
    RefreshToken,
    RevokedAccessToken,
    User,
)


class UserRepository:
    """Users, refresh tokens, revoked access tokens, addresses, payment methods, gift cards."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: User | RefreshToken | Address | PaymentMethod | GiftCard) -> None:
        """Stage a new row."""
        self._session.add(row)

    async def flush(self) -> None:
        """Send staged changes so constraints (unique email, code) are checked now."""
        await self._session.flush()

    # users
    async def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        return await self._session.get(User, user_id)

    async def lock_user(self, user_id: str) -> None:
        """Lock the user's row until the transaction ends (PostgreSQL; SQLite ignores it), so
        one user's concurrent checks-then-writes queue up."""
        await self._session.execute(select(User.id).where(User.id == user_id).with_for_update())

    async def get_user_by_email(self, email: str) -> User | None:
        """A user by email, ignoring case (emails are stored lower-cased)."""
        result = await self._session.scalars(select(User).where(User.email == email.lower()))
        return result.first()

    async def list_users(self, offset: int, limit: int) -> tuple[list[User], int]:
        """One page of users, oldest first, and the total."""
        total = await self._session.scalar(select(func.count()).select_from(User))
        rows = await self._session.scalars(
            select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    # refresh tokens
    async def get_refresh_token(self, token_id: str) -> RefreshToken | None:
        """A refresh token by its ``jti``."""
        return await self._session.get(RefreshToken, token_id)

    async def revoke_refresh_token(self, token_id: str, now: datetime) -> bool:
        """Revoke one token; False when it was already revoked (a concurrent rotation won)."""
        result = await self._execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    async def revoke_refresh_family(self, family_id: str, now: datetime) -> int:
        """Revoke every live token of one login; returns how many were live."""
        result = await self._execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    async def revoke_user_refresh_tokens(self, user_id: str, now: datetime) -> int:
        """Revoke every live refresh token of a user (all their logins)."""
        result = await self._execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    # revoked access tokens
    async def revoke_access_token(self, jti: str, expires_at: datetime) -> None:
        """Refuse an access token until its expiry (revoking twice is harmless)."""
        if await self._session.get(RevokedAccessToken, jti) is None:
            self._session.add(RevokedAccessToken(jti=jti, expires_at=expires_at))

    async def is_access_token_revoked(self, *jtis: str) -> bool:
        """True when any of ``jtis`` (an access token, its login's family key) was revoked."""
        found = await self._session.scalar(
            select(RevokedAccessToken.jti).where(RevokedAccessToken.jti.in_(jtis)).limit(1)
        )
        return found is not None

    async def live_revoked_access_tokens(self, now: datetime) -> list[tuple[str, datetime]]:
        """``(jti, expires_at)`` of revoked tokens that have not expired yet."""
        rows = await self._session.execute(
            select(RevokedAccessToken.jti, RevokedAccessToken.expires_at).where(
                RevokedAccessToken.expires_at > now
            )
        )
        return [(row.jti, row.expires_at) for row in rows]

    async def purge_revoked_access_tokens(self, now: datetime) -> int:
        """Forget revocations of tokens that have expired anyway."""
        result = await self._execute(
            delete(RevokedAccessToken).where(RevokedAccessToken.expires_at <= now)
        )
        return int(result.rowcount)

    # addresses
    async def list_addresses(self, user_id: str) -> list[Address]:
        """A user's addresses, oldest first."""
        rows = await self._session.scalars(
            select(Address)
            .where(Address.user_id == user_id)
            .order_by(Address.created_at, Address.id)
        )
        return list(rows)

    async def get_address(self, user_id: str, address_id: str) -> Address | None:
        """An address if ``user_id`` owns it."""
        address = await self._session.get(Address, address_id)
        return address if address is not None and address.user_id == user_id else None

    async def delete_address(self, address: Address) -> None:
        """Remove an address."""
        await self._session.delete(address)

    # payment methods
    async def list_payment_methods(self, user_id: str) -> list[PaymentMethod]:
        """A user's active payment methods, oldest first."""
        rows = await self._session.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.user_id == user_id, PaymentMethod.is_active.is_(True))
            .order_by(PaymentMethod.created_at, PaymentMethod.id)
        )
        return list(rows)

    async def get_payment_method(self, user_id: str, method_id: str) -> PaymentMethod | None:
        """An active payment method if ``user_id`` owns it."""
        method = await self._session.get(PaymentMethod, method_id)
        if method is None or method.user_id != user_id or not method.is_active:
            return None
        return method

    # gift cards
    async def get_gift_card(self, gift_card_id: str) -> GiftCard | None:
        """A gift card by id."""
        return await self._session.get(GiftCard, gift_card_id)

    async def get_gift_cards(self, gift_card_ids: Sequence[str]) -> dict[str, GiftCard]:
        """Gift cards by id, for showing balances next to payment methods."""
        if not gift_card_ids:
            return {}
        rows = await self._session.scalars(select(GiftCard).where(GiftCard.id.in_(gift_card_ids)))
        return {card.id: card for card in rows}

    async def get_gift_card_by_code(self, code: str) -> GiftCard | None:
        """A gift card by its code."""
        result = await self._session.scalars(select(GiftCard).where(GiftCard.code == code))
        return result.first()

    async def redeem_gift_card(self, gift_card_id: str, user_id: str, now: datetime) -> bool:
        """Claim an unredeemed card for ``user_id``; False when someone redeemed it first."""
        result = await self._execute(
            update(GiftCard)
            .where(GiftCard.id == gift_card_id, GiftCard.redeemed_by.is_(None))
            .values(redeemed_by=user_id, redeemed_at=now, updated_at=now)
        )
        return result.rowcount == 1

    async def debit_gift_card(
        self, gift_card_id: str, amount_minor: int, currency: str, now: datetime
    ) -> bool:
        """Take ``amount_minor`` off the balance; False (nothing taken) when it does not cover it.

        A single conditional UPDATE, so concurrent debits can never drive the balance negative.
        A zero amount changes nothing and succeeds if the card exists.
        """
        if _nothing_to_move(amount_minor):
            return await self.get_gift_card(gift_card_id) is not None
        result = await self._execute(
            update(GiftCard)
            .where(
                GiftCard.id == gift_card_id,
                GiftCard.currency == currency,
                GiftCard.balance_minor >= amount_minor,
            )
            .values(balance_minor=GiftCard.balance_minor - amount_minor, updated_at=now)
        )
        return result.rowcount == 1

    async def credit_gift_card(
        self, gift_card_id: str, amount_minor: int, currency: str, now: datetime
    ) -> bool:
        """Put ``amount_minor`` back on the balance (refunds); False if the card is not found."""
        if _nothing_to_move(amount_minor):
            return await self.get_gift_card(gift_card_id) is not None
        result = await self._execute(
            update(GiftCard)
            .where(GiftCard.id == gift_card_id, GiftCard.currency == currency)
            .values(balance_minor=GiftCard.balance_minor + amount_minor, updated_at=now)
        )
        return result.rowcount == 1

    async def _execute(self, statement: Any) -> CursorResult[Any]:
        # Bulk UPDATE/DELETE bypass the identity map; sync it so loaded rows see the change.
        result = await self._session.execute(
            statement, execution_options={"synchronize_session": "fetch"}
        )
        assert isinstance(result, CursorResult)
        return result


def _nothing_to_move(amount_minor: int) -> bool:
    # A negative debit would be a credit in disguise (and the other way round).
    if amount_minor < 0:
        raise ValueError(f"gift card amounts cannot be negative, got {amount_minor}")
    return amount_minor == 0
