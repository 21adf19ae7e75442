from __future__ import annotations

from typing import Any

from django import template

from core.names import user_display_name

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    return user_display_name(user)
