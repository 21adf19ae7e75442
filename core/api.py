"""The API root: one NinjaAPI, its auth, and the one error shape of DESIGN §3.

Every error leaves as `{"code", "message", "details"}`: domain errors with their own
status, schema errors as 422 listing each field, unknown routes and objects as 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.auth import API_AUTH
from core.exceptions import DomainError

api = NinjaAPI(
    title="会务 API",
    version="1",
    description=(
        "会议室与视频会议预订、会议、人员。Times without an offset are Asia/Shanghai local time."
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


def _field_name(loc: list[Any]) -> str:
    # ninja locates errors as ("body", "payload", "field", ...); the client wants "field".
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "body"


def _translate(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "必填",
        "string_too_long": f"不能超过 {ctx.get('max_length')} 个字符",
        "string_too_short": f"至少 {ctx.get('min_length')} 个字符",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "greater_than": f"必须大于 {ctx.get('gt')}",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "int_parsing": "必须是整数",
        "int_type": "必须是整数",
        "datetime_parsing": "不是有效的时间（例：2026-12-01T09:00+08:00）",
        "datetime_from_date_parsing": "不是有效的时间（例：2026-12-01T09:00+08:00）",
        "datetime_type": "不是有效的时间",
        "date_from_datetime_parsing": "不是有效的日期（例：2026-12-01）",
        "date_parsing": "不是有效的日期（例：2026-12-01）",
        "bool_parsing": "必须是 true 或 false",
        "bool_type": "必须是 true 或 false",
        "enum": f"只能是：{ctx.get('expected', '')}",
        "literal_error": f"只能是：{ctx.get('expected', '')}",
        "list_type": "必须是列表",
        "string_type": "必须是字符串",
        "model_attributes_type": "格式不正确",
        "dict_type": "格式不正确",
        "json_invalid": "不是有效的 JSON",
        "extra_forbidden": "未知字段",
    }
    return messages.get(kind) or str(err.get("msg", "无效"))


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(e.get("loc", []))), "message": _translate(e)} for e in exc.errors
    ]
    summary = "；".join(f"{e['field']}：{e['message']}" for e in errors[:5])
    return error_response(request, 422, "invalid", f"输入有误（{summary}）", {"errors": errors})


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "请先登录或提供有效的 API 令牌")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
    }
    message = str(exc)
    if exc.status_code == 400 and "parse request body" in message:
        # ninja says 400 for a body that is not JSON; to clients it is invalid input.
        return error_response(
            request,
            422,
            "invalid",
            "请求体不是有效的 JSON",
            {"errors": [{"field": "body", "message": "不是有效的 JSON"}]},
        )
    if exc.status_code == 403 and "CSRF" in message:
        message = "CSRF 校验失败，请刷新页面后重试"
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "对象不存在")


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error shape, not the HTML 404 page."""
    return error_response(request, 404, "not_found", f"没有这个接口：{request.path}")


def register_routers() -> None:
    # Imported here, not at module top: core/ must not import the apps built on it,
    # except at this single wiring point.
    from core.api_directory import router as directory_router
    from meetings.api import router as meetings_router
    from rooms.api import router as rooms_router

    api.add_router("/", directory_router)
    api.add_router("/", rooms_router)
    api.add_router("/", meetings_router)


register_routers()
