"""System checks (`manage.py check`, run by runserver and migrate) for the VC settings.

A provider that is chosen as the default but cannot work (Jitsi without its base URL)
is an error at start-up, not a surprise at the first booking; requests that name an
unusable provider get a 422 saying the same (meetings.vc_providers.registry).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.compatibility)
def vc_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from meetings.vc_providers import backends

    try:
        available = backends()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="meetings.E001", hint="Fix VC_BACKENDS in the environment.")]
    errors: list[CheckMessage] = []
    default = settings.VC_PROVIDER
    if default not in available:
        errors.append(
            Error(
                f"VC_PROVIDER={default!r} is not one of the configured providers "
                f"({', '.join(available)}).",
                id="meetings.E002",
                hint="Set VC_PROVIDER to one of them, or add its class to VC_BACKENDS.",
            )
        )
        return errors
    for problem in available[default].configuration_errors():
        errors.append(
            Error(
                f"VC_PROVIDER={default!r} cannot work: {problem}",
                id="meetings.E003",
                hint="Complete its settings (see .env.example), or choose another VC_PROVIDER.",
            )
        )
    return errors
