"""Meetings, their attendances and the notification outbox.

A meeting stores the interval it *occupies* its room (start − setup, end + teardown) next
to its own start and end, so that the PostgreSQL exclusion constraint — the last guard
against double booking — covers the 布场/撤场 buffers too. Series (RRULE), VC links,
seating plans and reception itineraries attach to `Meeting` by foreign key later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Person
from rooms.models import Room


class Kind(models.TextChoices):
    EXECUTIVE = "executive", "常务会议"
    TOPIC = "topic", "专题会议"
    TELECONFERENCE = "teleconference", "电视电话会议"
    SYMPOSIUM = "symposium", "座谈会"
    COURTESY_CALL = "courtesy_call", "会见"
    TALKS = "talks", "会谈"
    BANQUET = "banquet", "宴请"
    INSPECTION = "inspection", "调研"
    EVENT = "event", "活动"
    OTHER = "other", "其他"


class Priority(models.IntegerChoices):
    NORMAL = 1, "一般会议"
    IMPORTANT = 2, "重要会议"
    SUPERIOR = 3, "上级会议"


DEFAULT_PRIORITY = {
    Kind.EXECUTIVE: Priority.IMPORTANT,
    Kind.TELECONFERENCE: Priority.SUPERIOR,
}


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已确认"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已取消"


# Statuses that occupy the room: a pending request holds its slot until decided.
BLOCKING = (Status.PENDING, Status.APPROVED)


class Confidentiality(models.TextChoices):
    NORMAL = "normal", "普通"
    CONFIDENTIAL = "confidential", "内部（不公开）"


class BranchLevel(models.TextChoices):
    """Whose conference a 分会场 (branch venue) joins."""

    NATIONAL = "national", "国务院/国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def blocking(self) -> MeetingQuerySet:
        return self.filter(status__in=BLOCKING)

    def occupying(self, start: dt.datetime, end: dt.datetime) -> MeetingQuerySet:
        """Meetings whose occupied interval overlaps [start, end) (half-open)."""
        return self.filter(occupied_start__lt=end, occupied_end__gt=start)

    def attending(self, start: dt.datetime, end: dt.datetime) -> MeetingQuerySet:
        """Meetings whose own time (no buffers) overlaps [start, end)."""
        return self.filter(start__lt=end, end__gt=start)


class Meeting(models.Model):
    """A meeting, reception or activity, booked in a room (or held elsewhere)."""

    title = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.TOPIC)
    priority = models.PositiveSmallIntegerField(
        "优先级", choices=Priority.choices, default=Priority.NORMAL
    )
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    room = models.ForeignKey(
        Room,
        verbose_name="会议室",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    place = models.CharField("地点（室外/外出）", max_length=200, blank=True)
    setup_minutes = models.PositiveIntegerField(
        "布场（分钟）", null=True, blank=True, help_text="留空用会议室默认值"
    )
    teardown_minutes = models.PositiveIntegerField("撤场（分钟）", null=True, blank=True)
    occupied_start = models.DateTimeField("占用开始", editable=False)
    occupied_end = models.DateTimeField("占用结束", editable=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        on_delete=models.PROTECT,
        related_name="organized_meetings",
    )
    confidentiality = models.CharField(
        "密级", max_length=20, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    description = models.TextField("说明", blank=True)
    expected_attendance = models.PositiveIntegerField("预计人数", null=True, blank=True)
    acknowledged_conflicts = models.JSONField("已确认的冲突提示", default=list, blank=True)
    hold_expires_at = models.DateTimeField("预留截止", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)
    sequence = models.PositiveIntegerField(
        "修订号", default=0, help_text="时间或地点每变一次加一（iCalendar SEQUENCE）"
    )
    series = models.ForeignKey(
        "MeetingSeries",
        verbose_name="系列",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
    )
    recurrence_id = models.DateTimeField(
        "系列原定开始",
        null=True,
        blank=True,
        help_text="该次会议在系列规则中的原定开始时间（RECURRENCE-ID）",
    )
    is_exception = models.BooleanField(
        "单独修改过", default=False, help_text="单次移动或修改过的会议；修改整个系列时保留"
    )
    rsvp_deadline = models.DateTimeField("回执截止", null=True, blank=True)
    branch_of = models.CharField(
        "分会场（上级会议级别）",
        max_length=20,
        choices=BranchLevel.choices,
        blank=True,
        help_text="本会议是上级电视电话会议的分会场时填写",
    )
    link_test_minutes = models.PositiveIntegerField(
        "联调（分钟）", null=True, blank=True, help_text="分会场开会前的联调时间；留空用默认值"
    )
    reminder_minutes = models.PositiveIntegerField(
        "会前提醒（分钟）",
        null=True,
        blank=True,
        help_text="开会前多少分钟提醒参会人员；留空不提醒",
    )
    # The start time the reminder went out for: a moved meeting is reminded again for its
    # new time, an unmoved one never twice (the worker claims it by a conditional update).
    reminder_sent_for = models.DateTimeField("已提醒的开始时间", null=True, blank=True)
    # When it first left the draft state (submitted: pending or confirmed). A draft never
    # reached anyone's calendar, so a draft that is cancelled must not appear in feeds as
    # 【已取消】 either; set by save() below.
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = verbose_name_plural = "会议"
        indexes = [
            # The end first: "what overlaps [s, e)" scans only the room's meetings ending
            # after s, i.e. those ahead of the time asked for, never the years of history
            # behind it, so a conflict check costs the same with 1,000 or 100,000 bookings.
            models.Index(
                fields=["room", "occupied_end", "occupied_start"], name="meeting_room_occupied_end"
            ),
            models.Index(fields=["start", "end"], name="meeting_period"),
            # Pending holds only (the approvals count, hold expiry). A full index led by
            # status looked selective to SQLite's planner without statistics and took
            # over every "blocking meetings of these rooms" query, scanning them all.
            models.Index(
                fields=["hold_expires_at"], condition=Q(status="pending"), name="meeting_holds"
            ),
            # What a calendar feed's ETag reads of each meeting (meetings.calendar
            # _fingerprint), without reading the meeting's whole row.
            models.Index(
                fields=["id", "end", "status", "updated_at", "submitted_at"],
                name="meeting_fingerprint",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="meeting_end_after_start"),
            models.CheckConstraint(
                condition=Q(occupied_start__lte=F("start")) & Q(occupied_end__gte=F("end")),
                name="meeting_occupied_covers_meeting",
            ),
            models.UniqueConstraint(
                fields=["series", "recurrence_id"],
                condition=Q(series__isnull=False),
                name="meeting_occurrence_once",
            ),
        ]
        # PostgreSQL only: an exclusion constraint (migration 0002) forbids two blocking
        # meetings in one room with overlapping occupied intervals.

    def __str__(self) -> str:
        return f"{self.title}（{self.start:%Y-%m-%d %H:%M}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Here, not in the services: every way a meeting leaves the draft state (booking,
        # submitting, series, restore, the admin) passes through save(). A row created in
        # any other state was submitted; a draft cancelled stays unsubmitted.
        if self.submitted_at is None and (
            self.status in (Status.PENDING, Status.APPROVED, Status.REJECTED)
            or (self._state.adding and self.status != Status.DRAFT)
        ):
            self.submitted_at = self.created_at if self._state.adding else timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "submitted_at"}
        super().save(*args, **kwargs)

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality == Confidentiality.CONFIDENTIAL

    @property
    def location(self) -> str:
        return self.room.location if self.room else self.place


class Role(models.TextChoices):
    CHAIR = "chair", "主持"
    ATTEND = "attend", "出席"
    SIT_IN = "sit_in", "列席"
    STAFF = "staff", "工作人员"
    GUEST = "guest", "嘉宾"


class Rsvp(models.TextChoices):
    PENDING = "pending", "未回复"
    ATTENDING = "attending", "参加"
    SUBSTITUTE = "substitute", "代参会"
    LEAVE = "leave", "请假"


class Attendance(models.Model):
    """A place in a meeting's roster: a directory person or an ad-hoc guest, with a role.

    The RSVP link and the check-in QR code carry a signature of the pk (django.core
    .signing), so no secret column is needed and a forged link fails verification.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        on_delete=models.PROTECT,
        related_name="attendances",
        null=True,
        blank=True,
    )
    guest_name = models.CharField("姓名（临时人员）", max_length=50, blank=True)
    guest_title = models.CharField("职务（临时人员）", max_length=100, blank=True)
    guest_unit = models.CharField("单位（临时人员）", max_length=100, blank=True)
    # Directory people have theirs in the directory; a guest's is what staff call on the day.
    guest_phone = models.CharField("手机（临时人员）", max_length=30, blank=True)
    role = models.CharField("身份", max_length=20, choices=Role.choices, default=Role.ATTEND)
    order = models.PositiveIntegerField("顺序", default=0)
    rank_override = models.PositiveIntegerField(
        "本次排序号", null=True, blank=True, help_text="仅本次会议的礼宾排序，留空用名录排序号"
    )
    rsvp = models.CharField("回执", max_length=20, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField("回执时间", null=True, blank=True)
    rsvp_note = models.CharField("请假事由/备注", max_length=300, blank=True)
    substitute_name = models.CharField("代参会人", max_length=50, blank=True)
    substitute_title = models.CharField("代参会人职务", max_length=100, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "person__rank", "pk"]
        verbose_name = verbose_name_plural = "参会人员"
        indexes = [
            # A person's meetings from the index alone: a leader's feed fingerprint (the
            # ETag, every poll) and the person-busy check read no attendance rows.
            models.Index(fields=["person", "meeting"], name="attendance_person_meeting"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(guest_name=""), name="attendance_has_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.get_role_display()}"

    @property
    def display_name(self) -> str:
        """Who sits there: the substitute when someone 代参会, else the person or guest."""
        if self.rsvp == Rsvp.SUBSTITUTE and self.substitute_name:
            return self.substitute_name
        return self.person.name if self.person else self.guest_name

    @property
    def display_title(self) -> str:
        if self.rsvp == Rsvp.SUBSTITUTE and self.substitute_name:
            return self.substitute_title
        return self.person.title if self.person else self.guest_title

    @property
    def display_unit(self) -> str:
        return self.person.unit.name if self.person else self.guest_unit


class Channel(models.TextChoices):
    """Where one notification goes; chosen from the directory when it is queued."""

    INBOX = "inbox", "站内"
    EMAIL = "email", "电子邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未发送"


class Notification(models.Model):
    """An outbox entry: one message to one person or user, and its delivery record.

    Rows are written in the same transaction as the change they tell of; the worker
    delivers them after commit. A row is claimed by a conditional update (pending →
    sending) so that two workers never send it twice; a failed send is retried with
    back-off and stays visible as `failed` with its last error, never dropped.
    The invitation (`ics`) is frozen when the row is written: the UID and SEQUENCE are
    those the feeds showed at that moment, even if the meeting is later deleted.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Delivery.
    channel = models.CharField(
        "发送方式", max_length=20, choices=Channel.choices, default=Channel.INBOX
    )
    address = models.CharField("发送地址", max_length=500, blank=True)
    # Phone numbers to @ in a group-robot message.
    mention = models.CharField("@手机号", max_length=30, blank=True)
    status = models.CharField(
        "发送状态",
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    # The iCalendar invitation sent with an e-mail: METHOD:REQUEST or METHOD:CANCEL.
    ics_method = models.CharField(max_length=10, blank=True)
    ics = models.TextField(blank=True)
    # Makes "queue this once" idempotent (e.g. one reminder per person per start time).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "通知"
        indexes = [
            # What the worker's sweep reads: due deliveries only.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class PrintJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PrintJob(models.Model):
    """A large document rendered by the worker; the page polls it for progress.

    The file goes through Django storage (`file`), so any web process can serve it.
    `meeting` is SET_NULL: a job whose meeting was deleted fails with a message instead
    of vanishing.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="print_jobs"
    )
    kind = models.CharField("文档", max_length=30)
    options = models.JSONField("选项", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=20, choices=PrintJobStatus.choices, default=PrintJobStatus.QUEUED
    )
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    file = models.FileField("文件", upload_to="print/%Y/%m/", max_length=300, blank=True)
    filename = models.CharField("下载文件名", max_length=200, blank=True)
    error = models.TextField("错误", blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress writes touch this; a `running` job whose heartbeat is old was killed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "打印任务"

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == PrintJobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class VcProvider(models.TextChoices):
    POOL = "pool", "本单位 MCU 号池"
    JITSI = "jitsi", "自建 Jitsi Meet"
    EXTERNAL = "external", "上级/外部会议号"


class VcLink(models.Model):
    """A meeting's video-conference link, from one provider.

    A `pool` link books one virtual room (`resource`) for the link's occupied interval;
    the PostgreSQL exclusion constraint (migration) keeps two active links off one number
    at the same time, as for rooms. `active` is False once released (meeting cancelled).
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="vc_link")
    provider = models.CharField("方式", max_length=20, choices=VcProvider.choices)
    resource = models.ForeignKey(
        "rooms.VcResource",
        verbose_name="MCU 会议室",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="links",
    )
    url = models.URLField("入会链接", max_length=500, blank=True)
    number = models.CharField("会议号", max_length=50, blank=True)
    password = models.CharField("入会密码", max_length=50, blank=True)
    dial_in = models.CharField("拨入方式", max_length=200, blank=True)
    room_name = models.CharField("房间名", max_length=200, blank=True)
    occupied_start = models.DateTimeField("占用开始")
    occupied_end = models.DateTimeField("占用结束")
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "视频会议链接"
        indexes = [
            models.Index(
                fields=["resource", "occupied_start", "occupied_end"],
                name="vclink_resource_occupied",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupied_end__gt=F("occupied_start")), name="vclink_interval_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(provider="pool") | Q(resource__isnull=False),
                name="vclink_pool_has_resource",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.number or self.url}"


class FeedKind(models.TextChoices):
    PERSON = "person", "个人日程"
    ROOM = "room", "会议室"


class FeedPrivacy(models.TextChoices):
    FULL = "full", "完整内容"
    BUSY = "busy", "仅显示忙碌（内部会议）"


class FeedToken(models.Model):
    """A calendar-feed subscription: its own random token (only the hash is stored)."""

    kind = models.CharField("类型", max_length=20, choices=FeedKind.choices)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="feeds"
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, null=True, blank=True, related_name="feeds"
    )
    name = models.CharField("名称", max_length=100, blank=True, help_text="如：张县长的手机")
    token_hash = models.CharField(max_length=64, unique=True)
    privacy = models.CharField(
        "内容", max_length=20, choices=FeedPrivacy.choices, default=FeedPrivacy.FULL
    )
    alarm_minutes = models.PositiveIntegerField("提前提醒（分钟）", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "日历订阅"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="person") & Q(person__isnull=False) & Q(room__isnull=True))
                | (Q(kind="room") & Q(room__isnull=False) & Q(person__isnull=True)),
                name="feed_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person or self.room} · {self.name}"


class MeetingSeries(models.Model):
    """A recurring meeting (RRULE); its occurrences are materialised `Meeting` rows.

    Each occurrence takes part in the conflict rules and the database guard like any
    meeting. An occurrence edited on its own is marked `is_exception` and keeps its
    `recurrence_id`, so later edits of the series never silently undo it.
    """

    rrule = models.CharField("重复规则（RRULE）", max_length=500)
    dtstart = models.DateTimeField("首次开始")
    duration_minutes = models.PositiveIntegerField("时长（分钟）")
    until = models.DateTimeField("截止", null=True, blank=True)
    count = models.PositiveIntegerField("次数", null=True, blank=True)
    skip_holidays = models.BooleanField("跳过法定节假日", default=True)
    include_adjusted_workdays = models.BooleanField("调休上班日照常", default=False)
    template = models.JSONField("会议模板", default=dict, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_series"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "会议系列"

    def __str__(self) -> str:
        return f"{self.template.get('title', '会议系列')} · {self.rrule}"


class AgendaItem(models.Model):
    """One numbered item (一、二、…) of a meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveIntegerField("顺序", default=0)
    starts_at = models.DateTimeField("时间", null=True, blank=True)
    topic = models.CharField("议题", max_length=300)
    presenter = models.CharField("汇报人", max_length=200, blank=True)
    units = models.ManyToManyField(
        "core.Unit", verbose_name="列席单位", blank=True, related_name="+"
    )
    wait_from = models.DateTimeField(
        "候会时间", null=True, blank=True, help_text="常务会议列席单位的候会时间"
    )
    notes = models.TextField("备注", blank=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = verbose_name_plural = "议程"

    def __str__(self) -> str:
        return self.topic


class MeetingNotice(models.Model):
    """The 会议通知's own text: addressees, requirements, contact, issuer (GB/T 9704)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="notice")
    doc_number = models.CharField("文号", max_length=100, blank=True)
    addressees = models.TextField("主送", blank=True)
    requirements = models.TextField("会议要求", blank=True)
    contact = models.CharField("联系人及电话", max_length=200, blank=True)
    issuer = models.CharField("发文机关", max_length=100, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "会议通知"

    def __str__(self) -> str:
        return f"关于召开{self.meeting.title}的通知"


class SeatingPlan(models.Model):
    """A meeting's seating: the layout it uses (copied and adjustable) and the options."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="seating")
    layout = models.ForeignKey(
        "rooms.RoomLayout", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("布局", max_length=20)
    params = models.JSONField("布局参数", default=dict, blank=True)
    options = models.JSONField(
        "排座选项", default=dict, blank=True, help_text="以左/右为上、单位排序等"
    )
    printed_snapshot = models.JSONField("上次打印时的座次", null=True, blank=True)
    printed_at = models.DateTimeField("上次打印", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "座次安排"

    def __str__(self) -> str:
        return f"{self.meeting.title} 座次"


class SeatAssignment(models.Model):
    """One attendee in one seat of a plan; a locked seat stays put when re-arranging."""

    plan = models.ForeignKey(SeatingPlan, on_delete=models.CASCADE, related_name="assignments")
    seat_id = models.CharField("座位", max_length=50)
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="seats")
    locked = models.BooleanField("锁定", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "座位分配"
        constraints = [
            models.UniqueConstraint(fields=["plan", "seat_id"], name="seat_taken_once"),
            models.UniqueConstraint(fields=["plan", "attendance"], name="attendee_seated_once"),
        ]

    def __str__(self) -> str:
        return f"{self.seat_id}: {self.attendance}"
