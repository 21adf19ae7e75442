"""How a user's name is shown: Chinese order, family name first."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist


def user_display_name(user: Any) -> str:
    """The directory name of the user's person, else 姓+名, else the username.

    Django's get_full_name() puts the given name first ("晓燕 林"), which reads wrong.
    """
    if user is None:
        return ""
    try:
        person = user.person
    except (ObjectDoesNotExist, AttributeError):
        person = None
    if person is not None:
        return str(person.name)
    full = f"{user.last_name}{user.first_name}".strip()
    return full or str(user.username)
