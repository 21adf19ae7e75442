"""The people directory (units, people, protocol rank), API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Unit(models.Model):
    """An office, bureau or township (单位); `order` is the customary protocol order."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    order = models.PositiveIntegerField("排序号", default=100, help_text="惯例顺序，数字小的在前")
    # The unit's work group on 企业微信 or 钉钉: people whose channel is a group robot and
    # who have no robot address of their own are told there (with an @ of their phone).
    robot_webhook = models.URLField(
        "工作群机器人地址",
        max_length=500,
        blank=True,
        help_text="企业微信或钉钉群机器人的 Webhook 地址",
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name


class NotifyChannel(models.TextChoices):
    """How a person is told of invitations, changes and reminders (DESIGN §9)."""

    EMAIL = "email", "电子邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    NONE = "none", "仅站内通知"


class Person(models.Model):
    """Someone who attends meetings; `rank` (排序号) orders them by protocol."""

    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=100, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="people"
    )
    rank = models.PositiveIntegerField("排序号", default=1000, help_text="礼宾排序，数字小的在前")
    is_leader = models.BooleanField("县领导", default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    secretaries = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="秘书",
        blank=True,
        related_name="assisted_people",
        help_text="可代为管理该领导日程的秘书账号",
    )
    email = models.EmailField("电子邮箱", blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    notify_channel = models.CharField(
        "通知方式", max_length=20, choices=NotifyChannel.choices, default=NotifyChannel.EMAIL
    )
    robot_webhook = models.URLField(
        "群机器人地址",
        max_length=500,
        blank=True,
        help_text="留空则使用所在单位的工作群机器人",
    )
    active = models.BooleanField("在职", default=True)

    class Meta:
        ordering = ["rank", "unit__order", "name"]
        verbose_name = verbose_name_plural = "人员"

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def get_by_raw(self, raw: str) -> ApiToken | None:
        # Only the hash is stored; looking it up by hash compares in the database index,
        # never character by character against a secret in Python. The hash is unique:
        # no ordering (`.first()` adds one, a cost on every API call; bench/api_load.py).
        found = (
            self.select_related("user")
            .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
            .order_by()[:1]
        )
        return next(iter(found), None)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored."""

    PREFIX = "hw_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.pk}"

    @classmethod
    def issue(cls, user: Any, name: str = "") -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, token_hash=hash_token(raw)), raw


class AuditEntry(models.Model):
    """One change: who, when, what, with the changed fields before and after."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        verbose_name = verbose_name_plural = "操作日志"

    def __str__(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor} {self.action} {self.object_type}#{self.object_id}"


class Counter(models.Model):
    """A named number bumped in the same transaction as the writes it stands for.

    `bookings` changes whenever anything that decides availability changes, so a cached
    answer keyed by it is never stale on any process or worker (the cache may be local).
    """

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "版本计数"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
