"""Accounts: registration, lookups, and what admins do to users (list, ban, change role)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.kernel.actor import Actor
from services.kernel.events import DomainEvent
from services.kernel.ids import new_id
from services.kernel.pagination import Page, PageRequest
from services.users.base import UsersBase
from services.users.errors import CannotChangeOwnAccount, EmailTaken
from services.users.models import Role, User, UserStatus
from services.users.schemas import RegisterIn, RoleName, UserOut
from services.users.views import user_out


def normalize_email(email: str) -> str:
    """Emails are stored and compared lower-cased, so uniqueness ignores case."""
    return email.strip().lower()


class AccountCommands(UsersBase):
    """Opening accounts and looking them up."""

    async def register(self, data: RegisterIn) -> UserOut:
        """Open a customer account (409 if the email is taken, ignoring case)."""
        return await self.create_user(data, role="customer")

    async def create_user(self, data: RegisterIn, role: RoleName = "customer") -> UserOut:
        """Open an account with any role: for operators (the CLI) and seeding, not for the API."""
        email = normalize_email(data.email)
        password_hash = await self._hash_password(data.password.get_secret_value())
        async with self._uow() as uow:
            if await uow.users.get_user_by_email(email) is not None:
                raise EmailTaken("An account with this email already exists.")
            now = self._clock.now()
            user = User(
                id=new_id("usr"),
                email=email,
                name=data.name,
                password_hash=password_hash,
                role=Role(role),
                status=UserStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
            uow.users.add(user)
            try:
                await uow.users.flush()
            except IntegrityError as exc:  # a concurrent registration won the unique index
                raise EmailTaken("An account with this email already exists.") from exc
            uow.emit(DomainEvent("user.registered", user.id, {"role": role}))
            await uow.commit()
        return user_out(user)

    async def me(self, actor: Actor) -> UserOut:
        """The acting user's own account."""
        return await self.get_user(actor.user_id)

    async def get_user(self, user_id: str) -> UserOut:
        """A user by id (404 if there is none); for trusted callers such as other contexts."""
        async with self._uow() as uow:
            return user_out(await self._user(uow, user_id))

    async def find_by_email(self, email: str) -> UserOut | None:
        """A user by email, ignoring case; None when there is none."""
        async with self._uow() as uow:
            user = await uow.users.get_user_by_email(normalize_email(email))
            return None if user is None else user_out(user)


class AdminCommands(UsersBase):
    """What only admins may do to accounts."""

    async def list_users(self, actor: Actor, page: PageRequest) -> Page[UserOut]:
        """Every account, oldest first, one page at a time."""
        actor.require_admin()
        async with self._uow() as uow:
            users, total = await uow.users.list_users(page.offset, page.limit)
            return Page[UserOut](
                items=[user_out(user) for user in users],
                total=total,
                page=page.page,
                page_size=page.page_size,
            )

    async def inspect_user(self, actor: Actor, user_id: str) -> UserOut:
        """Any account by id."""
        actor.require_admin()
        async with self._uow() as uow:
            return user_out(await self._user(uow, user_id))

    async def ban_user(self, actor: Actor, user_id: str) -> UserOut:
        """Ban an account: it cannot log in, and its tokens stop working at once."""
        return await self._set_status(actor, user_id, UserStatus.BANNED)

    async def unban_user(self, actor: Actor, user_id: str) -> UserOut:
        """Lift a ban; the user logs in again to get new tokens."""
        return await self._set_status(actor, user_id, UserStatus.ACTIVE)

    async def set_role(self, actor: Actor, user_id: str, role: RoleName) -> UserOut:
        """Make a user a customer, merchant or admin; it applies to their next request."""
        actor.require_admin()
        self._refuse_self(actor, user_id)
        async with self._uow() as uow:
            user = await self._user(uow, user_id)
            previous = user.role
            if previous is not Role(role):
                user.role = Role(role)
                user.updated_at = self._clock.now()
                uow.emit(
                    DomainEvent(
                        "user.role_changed", user.id, {"role": role, "previous": previous.value}
                    )
                )
                await uow.commit()
            return user_out(user)

    async def _set_status(self, actor: Actor, user_id: str, status: UserStatus) -> UserOut:
        actor.require_admin()
        self._refuse_self(actor, user_id)
        async with self._uow() as uow:
            user = await self._user(uow, user_id)
            if user.status is not status:
                now = self._clock.now()
                user.status = status
                user.updated_at = now
                if status is UserStatus.BANNED:
                    # Access tokens die with the status check in authenticate(); refresh tokens
                    # are revoked so that unbanning does not bring old sessions back.
                    await uow.users.revoke_user_refresh_tokens(user.id, now)
                kind = "user.banned" if status is UserStatus.BANNED else "user.unbanned"
                uow.emit(DomainEvent(kind, user.id, {"by": actor.user_id}))
                await uow.commit()
            return user_out(user)

    @staticmethod
    def _refuse_self(actor: Actor, user_id: str) -> None:
        if actor.user_id == user_id:
            raise CannotChangeOwnAccount(
                "Admins cannot ban, unban or change the role of themselves."
            )
