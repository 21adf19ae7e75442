from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from core.api import api, api_not_found
from core.views import admin_login

admin.site.site_header = "会务 · 管理后台"
admin.site.site_title = "会务"

urlpatterns = [
    # Before admin.site.urls, so the admin's login goes through the rate limit.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("core.page_urls")),
    path("", include("meetings.urls")),
]
