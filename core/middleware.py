"""Every answer under /api/ is JSON (DESIGN §3), also those the API's own code never sees.

ninja's 405 for a method a path does not have, Django's 404 for the API root, its
CSRF 403 page, a 400 for a bad Host header: Django and ninja write these as HTML or
plain text before or around the API's exception handlers. This middleware rewrites any
non-JSON error under /api/ into `{"code", "message", "details"}` with the same status
(and the same `Allow` header). It also answers HEAD like GET without a body, as HTTP
expects of every GET resource.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

API_PREFIX = "/api/"

_CODES = {
    400: ("bad_request", "请求无效"),
    401: ("unauthenticated", "请先登录或提供有效的 API 令牌"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "没有这个接口"),
    405: ("method_not_allowed", "此接口不支持该请求方法"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的请求格式"),
    429: ("rate_limited", "尝试次数过多，请稍后再试"),
    500: ("server_error", "服务器内部错误，已记录，请稍后重试"),
}
# Headers of the original answer that a client still needs from the JSON one.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The same failure as `response`, in the API's error shape."""
    status = response.status_code
    code, message = _CODES.get(status, ("error" if status < 500 else "server_error", "请求失败"))
    details: dict[str, object] = {}
    if status == 404:
        message = f"没有这个接口：{request.path}"
    elif status == 403 and b"CSRF" in getattr(response, "content", b""):
        message = "CSRF 校验失败，请刷新页面后重试"
    elif status == 405 and response.has_header("Allow"):
        allowed = [m.strip() for m in response["Allow"].split(",") if m.strip()]
        message = f"此接口不支持 {request.method} 方法（可用：{', '.join(allowed)}）"
        details["allowed"] = allowed
    new = JsonResponse({"code": code, "message": message, "details": details}, status=status)
    for header in _KEPT_HEADERS:
        if response.has_header(header):
            new[header] = response[header]
    # Django logs an error answer once; this one has been (as the original).
    new._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
    return new


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        head = request.method == "HEAD"
        if head:
            # ninja routes HEAD nowhere (a 405); the answer is GET's, without the body.
            request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            if head:
                request.method = "HEAD"
        if response.status_code >= 400 and not _is_json(response):
            response = json_error(request, response)
        if head and isinstance(response, HttpResponse):
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
