"""Which providers exist (settings.VC_BACKENDS) and which one a booking gets.

Backends are instantiated once per list of dotted paths, and read their own settings
at call time, so `override_settings` in tests and a changed environment both work.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from core.exceptions import VcUnavailable
from meetings.vc_providers.base import VcBackend


@cache
def _load(paths: tuple[str, ...]) -> dict[str, VcBackend]:
    found: dict[str, VcBackend] = {}
    for path in paths:
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"VC_BACKENDS: cannot import {path!r} ({exc})") from exc
        if not (isinstance(cls, type) and issubclass(cls, VcBackend)):
            raise ImproperlyConfigured(f"VC_BACKENDS: {path!r} is not a VcBackend subclass")
        if cls.code in found:
            raise ImproperlyConfigured(f"VC_BACKENDS: two providers with the code {cls.code!r}")
        found[cls.code] = cls()
    return found


def backends() -> dict[str, VcBackend]:
    """Every configured provider by code, in the order of settings.VC_BACKENDS."""
    return _load(tuple(settings.VC_BACKENDS))


def default_code() -> str:
    return str(settings.VC_PROVIDER)


def provider_label(code: str) -> str:
    backend = backends().get(code)
    return str(backend.label) if backend else code


def choices() -> list[tuple[str, str]]:
    """(code, label) of every configured provider, for forms and the API's description."""
    return [(code, b.label) for code, b in backends().items()]


def usable_codes() -> list[str]:
    """Codes of the providers whose settings are complete."""
    return [code for code, b in backends().items() if not b.configuration_errors()]


def backend_for(code: str = "") -> VcBackend:
    """The provider for `code` ("" = the default), or a 422 saying why it cannot be used."""
    code = code or default_code()
    backend = backends().get(code)
    if backend is None:
        raise VcUnavailable(
            f"未知的视频会议方式：{code}（可选：{'、'.join(backends())}）",
            field="vc.provider",
        )
    problems = backend.configuration_errors()
    if problems:
        raise VcUnavailable(
            f"“{backend.label}”尚未配置好：{'；'.join(problems)}。请联系系统管理员，或改用其他方式。",
            field="vc.provider",
            details={"provider": code, "problems": problems},
        )
    return backend
