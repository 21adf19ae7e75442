"""`manage.py create_api_token USERNAME [--name NAME]`: print a new personal API token.

Only the token's hash is stored, so this is the one time the raw token is shown. Each
run issues another token (one per script or device), so running it twice is safe:
nothing is overwritten and earlier tokens keep working until revoked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import ApiToken


class Command(BaseCommand):
    help = "为用户生成一个 API 令牌并打印（只显示这一次）：create_api_token USERNAME [--name NAME]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="登录用户名")
        parser.add_argument("--name", default="", help="令牌用途，如“日程同步脚本”（最多 100 字）")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        name: str = options["name"].strip()
        if len(name) > 100:
            raise CommandError("--name 不能超过 100 个字符")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        _, raw = ApiToken.issue(user, name)
        # Only the token on stdout, so `TOKEN=$(manage.py create_api_token alice)` works.
        self.stdout.write(raw)
        self.stderr.write(f"已为 {username} 生成令牌。请妥善保存，它不会再次显示。")
