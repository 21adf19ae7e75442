"""Roles are Django groups with fixed names; superusers count as 会务管理员."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "会务管理员"
    APPROVER = "审批人"
    STAFF = "会务人员"
    LEADER = "领导"
    SECRETARY = "秘书"


def user_roles(user: Any) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_huiwu_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(r for r in Role if r.value in names)
        if user.is_superuser:
            cached = cached | {Role.ADMIN}
        user._huiwu_roles = cached
    return cached


def has_role(user: Any, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def is_admin(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def can_book(user: Any) -> bool:
    """Staff book for the office; secretaries book for their leaders."""
    return has_role(user, Role.ADMIN, Role.STAFF, Role.SECRETARY)


def can_approve(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.APPROVER)


def sees_all_confidential(user: Any) -> bool:
    """Admins and approvers handle every booking, confidential ones included."""
    return has_role(user, Role.ADMIN, Role.APPROVER)
