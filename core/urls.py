from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from core.api import api

admin.site.site_header = "会务 · 管理后台"
admin.site.site_title = "会务"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("core.page_urls")),
    path("", include("meetings.urls")),
]
