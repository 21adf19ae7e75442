"""Video-conference providers (DESIGN §8): `pool`, `jitsi`, `external`, and any other
class listed in settings.VC_BACKENDS. See base.VcBackend for the interface."""

from meetings.vc_providers.base import VcBackend, VcRequest
from meetings.vc_providers.registry import (
    backend_for,
    backends,
    choices,
    default_code,
    provider_label,
    usable_codes,
)

__all__ = [
    "VcBackend",
    "VcRequest",
    "backend_for",
    "backends",
    "choices",
    "default_code",
    "provider_label",
    "usable_codes",
]
