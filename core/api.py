"""The API root: one NinjaAPI, its auth, and the one error shape of DESIGN §3.

Every error leaves as `{"code", "message", "details"}`: domain errors with their own
status, schema errors as 422 listing each field, unknown routes and objects as 404.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.auth import API_AUTH
from core.exceptions import DomainError
from core.schemas import ErrorOut

log = logging.getLogger("django.request")

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _error_doc(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


class Api(NinjaAPI):
    """NinjaAPI whose OpenAPI lists the errors every operation can really answer.

    ninja's `codes_4xx` leaves out 413 and 422, and list endpoints declare no error at
    all; clients (and schemathesis) would see our most common answers as undocumented.
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault("401", _error_doc("未登录或令牌无效"))
                if operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault("422", _error_doc("输入有误：details.errors 逐项说明"))
                if operation.get("requestBody"):
                    responses.setdefault("413", _error_doc("请求体过大"))
        return schema


def _docs_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """openapi.json and the docs page: read-only, and a wrong method is a JSON 405."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request, ["GET", "HEAD"])
        return view(request, *args, **kwargs)

    # Nothing to protect: without this a POST gets Django's HTML CSRF page.
    return csrf_exempt(wrapper)


api = Api(
    title="会务 API",
    version="1",
    description=(
        "会议室与视频会议预订、会议、人员。Times without an offset are Asia/Shanghai local time."
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    docs_decorator=_docs_view,
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


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    response = error_response(
        request,
        405,
        "method_not_allowed",
        f"此接口不支持 {request.method} 方法（可用：{', '.join(allowed)}）",
        {"allowed": allowed},
    )
    response["Allow"] = ", ".join(allowed)
    return response


# An unknown field's name is the client's text: echoed whole, a 100 kB key would make a
# 200 kB error (it appears in the message and in the list).
MAX_FIELD_NAME = 80
# Enough to fix a form; a body with thousands of bad items need not be listed item by item.
MAX_LISTED_ERRORS = 50


def _field_name(loc: list[Any]) -> str:
    # ninja locates errors as ("body", "payload", "field", ...); the client wants "field".
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    name = ".".join(parts) or "body"
    return name if len(name) <= MAX_FIELD_NAME else name[: MAX_FIELD_NAME - 1] + "…"


def _translate(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "必填",
        "string_too_long": f"不能超过 {ctx.get('max_length')} 个字符",
        "string_too_short": f"至少 {ctx.get('min_length')} 个字符",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "too_short": f"至少 {ctx.get('min_length')} 项",
        "string_pattern_mismatch": "格式不正确",
        "string_unicode": "不是有效的文字（含无法识别的字符）",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "greater_than": f"必须大于 {ctx.get('gt')}",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "int_parsing": "必须是整数",
        "int_type": "必须是整数",
        "int_from_float": "必须是整数",
        "int_parsing_size": "数字过大",
        "time_parsing": "不是有效的时刻（例：08:30）",
        "time_type": "不是有效的时刻（例：08:30）",
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
    if kind == "value_error" and ctx.get("error"):
        # A validator's own ValueError: its text, without pydantic's "Value error, ".
        return str(ctx["error"])
    return messages.get(kind) or str(err.get("msg", "无效"))


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(e.get("loc", []))), "message": _translate(e)}
        for e in exc.errors[:MAX_LISTED_ERRORS]
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


@api.exception_handler(DjangoPermissionDenied)
def on_django_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc) or "没有权限执行此操作")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django raises this when the body is first read; left alone it is a 500.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = f"{limit // 1024} KB" if limit else "上限"
    return error_response(
        request, 413, "payload_too_large", f"请求体过大（不能超过 {size}）", {"limit": limit}
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    return error_response(request, 400, "bad_request", "请求无效")


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # The database refused a value the schemas let through (PostgreSQL: NUL in text,
    # numbers or time zones out of range). It is the client's input, not a crash; log
    # it so that the schema that missed it gets fixed.
    log.warning("Data refused by the database: %s", request.path, exc_info=exc)
    return error_response(
        request,
        422,
        "invalid",
        "输入中有数据库不能接受的值（例如控制字符或超出范围的数字）",
    )


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: still answer in the error shape (ninja would send a text traceback)."""
    # Like Django's own handler: tell listeners (the test client re-raises), then log.
    signals.got_request_exception.send(sender=None, request=request)
    log.error("Internal Server Error: %s", request.path, exc_info=exc)
    details: dict[str, Any] = {}
    if settings.DEBUG:
        details["traceback"] = "".join(traceback.format_exception(exc))
    response = error_response(
        request, 500, "server_error", "服务器内部错误，已记录，请稍后重试", details
    )
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error shape, not the HTML 404 page.

    CSRF-exempt: it changes nothing, and a POST must get this 404, not the HTML 403.
    """
    return error_response(
        request,
        404,
        "not_found",
        f"没有这个接口：{request.path}",
        {"docs": "/api/v1/docs", "openapi": "/api/v1/openapi.json"},
    )


@api.get(
    "/ping",
    auth=None,
    response={200: dict[str, str]},
    tags=["health"],
    summary="健康检查：服务在运行（不查数据库，不需登录）",
)
def ping(request: HttpRequest) -> dict[str, str]:
    """A load balancer's health check, and the trivial endpoint `make bench` measures the
    API against (bench/api_load.py): no authentication, no database."""
    return {"status": "ok"}


def register_routers() -> None:
    # Imported here, not at module top: core/ must not import the apps built on it,
    # except at this single wiring point.
    from core.api_directory import router as directory_router
    from meetings.api import router as meetings_router
    from rooms.api import router as rooms_router

    api.add_router("/", directory_router)
    api.add_router("/", rooms_router)
    api.add_router("/", meetings_router)
    api.add_router("/", "meetings.api_vc.router")
    api.add_router("/", "meetings.api_feeds.router")
    api.add_router("/", "meetings.api_series.router")
    api.add_router("/", "meetings.api_attendees.router")
    api.add_router("/", "meetings.api_agenda.router")
    api.add_router("/", "meetings.api_documents.router")
    api.add_router("/", "meetings.api_seating.router")
    api.add_router("/", "meetings.api_notifications.router")
    api.add_router("/", "meetings.api_printjobs.router")


register_routers()
