from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from core.api import api, api_not_found

admin.site.site_header = "会务 · 管理后台"
admin.site.site_title = "会务"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("", include("core.page_urls")),
    path("", include("meetings.urls")),
]
