"""Sign-in and sign-out pages, with a rate limit on failed logins (also for /admin/)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from core.ratelimit import login_failed, login_limited, login_succeeded

LIMITED_MESSAGE = "登录失败次数过多，请几分钟后再试"


class LoginView(auth_views.LoginView):
    template_name = "login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        if login_limited(request, username):
            form = self.get_form()
            form.add_error(None, LIMITED_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            login_succeeded(request, username)
        else:
            login_failed(request, username)
        return response


@never_cache
def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin site's own login page behind the same limit as the staff login."""
    username = str(request.POST.get("username", "")) if request.method == "POST" else ""
    if request.method == "POST" and login_limited(request, username):
        return HttpResponse(LIMITED_MESSAGE, status=429, content_type="text/plain; charset=utf-8")
    response = admin.site.login(request, extra_context)
    if request.method == "POST":
        if request.user.is_authenticated:
            login_succeeded(request, username)
        else:
            login_failed(request, username)
    return response


class LogoutView(auth_views.LogoutView):
    pass
