from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core import roles as r


def roles(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "user_roles": r.user_roles(user),
        "can_book": r.can_book(user),
        "can_approve": r.can_approve(user),
        "is_admin": r.is_admin(user),
        # 我的日程 in the navigation: leaders and their secretaries.
        "has_schedule": r.has_role(user, r.Role.LEADER, r.Role.SECRETARY),
    }
