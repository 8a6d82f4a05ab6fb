from __future__ import annotations

from application.kit.errors import invariants_as_validation
from application.ports import Clock
from application.users.ports import UserUnitOfWork
from domain.user import User, normalize_email


class UserService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def get_or_create(self, uow: UserUnitOfWork, email: str) -> tuple[User, bool]:
        """The live user with this email, or a new one; the flag says whether it was created."""
        with invariants_as_validation(at=("email",), input=email):
            email = normalize_email(email)
        existing = await uow.users.get_by_email(email)
        if existing is not None:
            return existing, False
        user = User(email=email, created_at=self.clock.now())
        await uow.users.create(user)
        return user, True
