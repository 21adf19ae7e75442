"""Sign-in and sign-out pages, with a rate limit on failed logins."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from core.ratelimit import client_ip, hit, is_limited, reset


class LoginView(auth_views.LoginView):
    template_name = "login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = f"login:{client_ip(request)}"
        if is_limited(key):
            form = self.get_form()
            form.add_error(None, "登录失败次数过多，请几分钟后再试")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            reset(key)
        else:
            hit(key)
        return response


class LogoutView(auth_views.LogoutView):
    pass
