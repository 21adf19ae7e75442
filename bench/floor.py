"""The API benchmark's second floor: a trivial endpoint behind the API's authentication.

bench/api_load.py compares the availability endpoints with two floors. `/api/v1/ping`
needs no login and no database. Every availability request first proves its bearer
token, as every API call does: one indexed query, on a database connection that, with
the default DB_CONN_MAX_AGE=0, each request opens. `GET /api/v1/bench/authenticated`
does exactly that and nothing else, so the two floors tell apart what authentication
costs every endpoint and what availability itself costs. The route exists only in the
benchmark's processes (bench/wsgi.py for its gunicorn), never in the product.
"""

from __future__ import annotations

from django.http import HttpRequest

PATH = "/api/v1/bench/authenticated"

_installed = False


def install() -> None:
    """Add the endpoint to the API; call after django.setup(), before any request."""
    global _installed
    if _installed:
        return
    from ninja import Router

    from core.api import api

    router = Router(tags=["bench"])

    @router.get("/bench/authenticated", response=dict[str, str], summary="基准测试：仅鉴权")
    def authenticated(request: HttpRequest) -> dict[str, str]:
        return {"status": "ok"}

    api.add_router("/", router)
    _installed = True
