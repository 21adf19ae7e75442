"""系列会议 (recurring meetings): create, preview, edit by scope, restore an occurrence.

A series is a rule (meetings/recurrence.py) plus a template; its occurrences are real
`Meeting` rows, each booked through `services.meeting_create` and changed through
`services.meeting_update`, so every occurrence meets every booking rule — conflicts,
approval holds, VC links, the PostgreSQL exclusion constraint — exactly like a single
meeting. Nothing here re-implements a rule; it only decides which occurrences to book or
change and reports per occurrence what stands in the way.

Identity: an occurrence is known within its series by the local date of its
`recurrence_id` (where the rule put it). Its own start may differ (moved on its own, or
held on a 调休 workday for a holiday), which is why edits never look at `start` to find
an occurrence.

The rules that keep exceptions safe (DESIGN §4 "never silently loses exceptions"):
- an occurrence changed on its own is `is_exception`; series edits leave it alone;
- a cancelled occurrence stays cancelled: no series edit brings it back (only an
  explicit restore, which runs the conflict check again);
- dates skipped for a clash at creation stay skipped (`template["skipped"]`);
- "this and following" splits the series: the old one ends the day before, the new one
  takes the following occurrences with their exceptions and cancellations;
- edits touch only occurrences that have not started.

Edits are all-or-nothing: if any occurrence would clash, nothing changes and the 409
lists each clashing occurrence. Creation may skip clashing dates (`skip_conflicts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from core import roles
from core.audit import audit_record, diff
from core.exceptions import (
    BookingConflict,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SoftConflict,
    VcPoolExhausted,
)
from core.models import Person
from core.names import user_display_name
from core.timeutil import at_local, localtime
from meetings import notifications, services
from meetings.access import can_edit, with_visibility
from meetings.models import (
    BLOCKING,
    Confidentiality,
    Kind,
    Meeting,
    MeetingSeries,
    Status,
    VcLink,
)
from meetings.recurrence import Occurrence, Plan, Rule, parse_rrule, plan_occurrences
from meetings.vc_providers import VcRequest
from meetings.vc_services import vc_after_save, vc_validate
from rooms.models import Room

HOLIDAY = "holiday"
CONFLICT = "conflict"
SKIP_LABELS = {HOLIDAY: "法定节假日", CONFLICT: "与现有安排冲突，已跳过"}
SCOPES = ("all", "following")
_SCHEDULE_FIELDS = ("room", "setup_minutes", "teardown_minutes", "branch_of", "link_test_minutes")
# What a series edit may change on its occurrences (besides time of day and roster).
SERIES_FIELDS = (
    "title",
    "kind",
    "priority",
    "room",
    "place",
    "setup_minutes",
    "teardown_minutes",
    "confidentiality",
    "description",
    "expected_attendance",
    "branch_of",
    "link_test_minutes",
    "reminder_minutes",
)


class SeriesConflict(Conflict):
    """Occurrences of a series clash (409); details list each with its conflicts."""

    code = "series_conflict"
    default_message = "系列中有会议与现有安排冲突"


# --- the template -------------------------------------------------------------------------


@dataclass
class SeriesSpec:
    """What every occurrence is booked with (the series' template)."""

    title: str
    room: Room | None = None
    place: str = ""
    kind: str = Kind.TOPIC
    priority: int | None = None
    setup_minutes: int | None = None
    teardown_minutes: int | None = None
    confidentiality: str = Confidentiality.NORMAL
    description: str = ""
    expected_attendance: int | None = None
    attendees: Sequence[services.AttendeeSpec] = ()
    branch_of: str = ""
    link_test_minutes: int | None = None
    vc: VcRequest | None = None
    reminder_minutes: int | None = None

    def booking_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of services.meeting_create, besides time and series."""
        return {
            "title": self.title,
            "room": self.room,
            "place": self.place,
            "kind": self.kind,
            "priority": self.priority,
            "setup_minutes": self.setup_minutes,
            "teardown_minutes": self.teardown_minutes,
            "confidentiality": self.confidentiality,
            "description": self.description,
            "expected_attendance": self.expected_attendance,
            "attendees": list(self.attendees),
            "branch_of": self.branch_of,
            "link_test_minutes": self.link_test_minutes,
            "vc": self.vc,
            "reminder_minutes": self.reminder_minutes,
        }

    def as_template(self) -> dict[str, Any]:
        vc = None
        if self.vc is not None:
            vc = {
                "provider": self.vc.provider,
                "url": self.vc.url,
                "number": self.vc.number,
                "password": self.vc.password,
                "dial_in": self.vc.dial_in,
            }
        return {
            "title": self.title,
            "room_id": self.room.pk if self.room else None,
            "place": self.place,
            "kind": self.kind,
            "priority": self.priority,
            "setup_minutes": self.setup_minutes,
            "teardown_minutes": self.teardown_minutes,
            "confidentiality": self.confidentiality,
            "description": self.description,
            "expected_attendance": self.expected_attendance,
            "attendees": [[a.person.pk, a.role] for a in self.attendees],
            "branch_of": self.branch_of,
            "link_test_minutes": self.link_test_minutes,
            "vc": vc,
            "reminder_minutes": self.reminder_minutes,
        }


def spec_from_template(template: dict[str, Any]) -> SeriesSpec:
    """The template back as a spec (rooms and people loaded again)."""
    room_id = template.get("room_id")
    room = Room.objects.filter(pk=int(room_id)).first() if room_id else None
    pairs = [(int(p), str(r)) for p, r in template.get("attendees") or []]
    people = Person.objects.in_bulk([p for p, _ in pairs])
    vc = template.get("vc")
    return SeriesSpec(
        title=template.get("title", ""),
        room=room,
        place=template.get("place", ""),
        kind=template.get("kind", Kind.TOPIC),
        priority=template.get("priority"),
        setup_minutes=template.get("setup_minutes"),
        teardown_minutes=template.get("teardown_minutes"),
        confidentiality=template.get("confidentiality", Confidentiality.NORMAL),
        description=template.get("description", ""),
        expected_attendance=template.get("expected_attendance"),
        # A person deleted from the directory since is left out, not a 500.
        attendees=[services.AttendeeSpec(people[p], r) for p, r in pairs if p in people],
        branch_of=template.get("branch_of", ""),
        link_test_minutes=template.get("link_test_minutes"),
        vc=VcRequest(**vc) if isinstance(vc, dict) else None,
        reminder_minutes=template.get("reminder_minutes"),
    )


# --- rule and times -----------------------------------------------------------------------


def anchored(rule: Rule, first_start: dt.datetime) -> Rule:
    """Spell out what the rule takes from its first start (weekday, day of month), so the
    rule stays the same when a later occurrence becomes the start of a split series."""
    local = localtime(first_start)
    if rule.freq == "WEEKLY" and not rule.byday:
        return Rule(**{**rule.__dict__, "byday": ((local.weekday(), None),)})
    if rule.freq == "MONTHLY" and not rule.byday and not rule.bymonthday:
        return Rule(**{**rule.__dict__, "bymonthday": (local.day,)})
    return rule


def _check_times(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dt.timedelta:
    services.validate_times(start=start, end=end, now=now)
    if localtime(start).date() != localtime(end).date():
        raise InvalidInput("系列会议须在同一天内开始和结束", field="end")
    return end - start


def _day_start(day: dt.date) -> dt.datetime:
    return at_local(day, dt.time.min)


def key_of(meeting: Meeting) -> dt.date:
    """The date the rule put an occurrence on: its identity within the series."""
    assert meeting.recurrence_id is not None
    return localtime(meeting.recurrence_id).date()


def _stored_end(plan: Plan, rule: Rule) -> Rule:
    """The rule as stored: with its own end, or — when it had none — the end of the day
    of its last occurrence, so that the stored series says what was booked."""
    if rule.has_end or plan.last is None:
        return rule
    return rule.with_end(until=at_local(localtime(plan.last).date(), dt.time(23, 59, 59)))


# --- checking occurrences -----------------------------------------------------------------


@dataclass
class Probe:
    """One occurrence as it would be booked (or changed to), and what it runs into."""

    occurrence: Occurrence
    meeting: Meeting | None = None  # the existing row, for edits
    check: services.BookingCheck | None = None
    warnings: list[services.Warning_] = field(default_factory=list)
    refused: str = ""  # a conflict found only while booking (a race, the VC pool)

    @property
    def clash(self) -> bool:
        return bool(self.refused or (self.check and self.check.hard) or self.warnings)


def _probe(
    probe: Probe,
    *,
    room: Room | None,
    setup_minutes: int | None,
    teardown_minutes: int | None,
    person_ids: Sequence[int],
    expected_attendance: int | None,
    branch_of: str,
    link_test_minutes: int | None,
    acknowledge: Sequence[str],
    now: dt.datetime,
) -> Probe:
    probe.check = services.booking_check(
        room=room,
        start=probe.occurrence.start,
        end=probe.occurrence.end,
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        person_ids=person_ids,
        expected_attendance=expected_attendance,
        exclude_id=probe.meeting.pk if probe.meeting else None,
        now=now,
        with_alternatives=False,
        branch_of=branch_of,
        link_test_minutes=link_test_minutes,
    )
    probe.warnings = [w for w in probe.check.soft if w.code not in acknowledge]
    return probe


def probe_item(actor: Any, probe: Probe) -> dict[str, Any]:
    """One clashing occurrence in a 409's details (titles masked as for the actor)."""
    occ = probe.occurrence
    check = probe.check
    return {
        "meeting_id": probe.meeting.pk if probe.meeting else None,
        "date": occ.key.isoformat(),
        "recurrence_id": localtime(occ.recurrence_id).isoformat(),
        "start": localtime(occ.start).isoformat(),
        "end": localtime(occ.end).isoformat(),
        "conflicts": [services.conflict_item(actor, m) for m in (check.hard if check else [])],
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "conflicts": [services.conflict_item(actor, m) for m in w.meetings],
            }
            for w in probe.warnings
        ],
        "refused": probe.refused,
    }


def _conflict(actor: Any, clashing: Sequence[Probe], *, total: int, hint: str) -> SeriesConflict:
    dates = "、".join(
        f"{localtime(p.occurrence.start).month}月{localtime(p.occurrence.start).day}日"
        for p in clashing[:8]
    )
    more = f"等 {len(clashing)} 次" if len(clashing) > 8 else f"共 {len(clashing)} 次"
    return SeriesConflict(
        f"系列中 {dates}{more}与现有安排冲突。{hint}",
        details={
            "occurrences": [probe_item(actor, p) for p in clashing],
            "total": total,
            "clashing": len(clashing),
        },
    )


def _raise_clashes(actor: Any, probes: Sequence[Probe], *, total: int, hint: str) -> None:
    clashing = [p for p in probes if p.clash]
    if clashing:
        raise _conflict(actor, clashing, total=total, hint=hint)


# --- preview and create -------------------------------------------------------------------


@dataclass
class Preview:
    rule: Rule
    plan: Plan
    probes: list[Probe]

    @property
    def clashing(self) -> list[Probe]:
        return [p for p in self.probes if p.clash]


def _plan_for(
    *,
    rrule: str | Rule,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    skip_holidays: bool,
    include_adjusted_workdays: bool,
) -> tuple[Rule, Plan]:
    duration = _check_times(start, end, now)
    rule = anchored(parse_rrule(rrule) if isinstance(rrule, str) else rrule, start)
    plan = plan_occurrences(
        rule=rule,
        first_start=start,
        duration=duration,
        skip_holidays=skip_holidays,
        include_adjusted_workdays=include_adjusted_workdays,
    )
    if not plan.occurrences:
        raise InvalidInput(
            "按此规则没有可以安排的日期（首次开始时间不符合规则，或都是节假日）", field="rrule"
        )
    return rule, plan


def series_preview(
    *,
    actor: Any,
    spec: SeriesSpec,
    rrule: str | Rule,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    skip_holidays: bool = True,
    include_adjusted_workdays: bool = False,
    acknowledge: Sequence[str] = (),
) -> Preview:
    """Every occurrence the rule yields and what each would run into; writes nothing."""
    rule, plan = _plan_for(
        rrule=rrule,
        start=start,
        end=end,
        now=now,
        skip_holidays=skip_holidays,
        include_adjusted_workdays=include_adjusted_workdays,
    )
    person_ids = [a.person.pk for a in spec.attendees]
    probes = [
        _probe(
            Probe(occ),
            room=spec.room,
            setup_minutes=spec.setup_minutes,
            teardown_minutes=spec.teardown_minutes,
            person_ids=person_ids,
            expected_attendance=spec.expected_attendance,
            branch_of=spec.branch_of,
            link_test_minutes=spec.link_test_minutes,
            acknowledge=acknowledge,
            now=now,
        )
        for occ in plan.occurrences
    ]
    return Preview(rule=rule, plan=plan, probes=probes)


@dataclass
class SeriesResult:
    series: MeetingSeries
    created: list[Meeting] = field(default_factory=list)
    updated: list[Meeting] = field(default_factory=list)
    cancelled: list[Meeting] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    split_from: MeetingSeries | None = None


def _skip_entry(occ: Occurrence, reason: str, conflicts: Sequence[int] = ()) -> dict[str, Any]:
    return {
        "date": occ.key.isoformat(),
        "start": localtime(occ.start).isoformat(),
        "reason": reason,
        "conflicts": list(conflicts),
    }


def _probe_conflict_ids(probe: Probe) -> list[int]:
    ids = [m.pk for m in (probe.check.hard if probe.check else [])]
    ids += [m.pk for w in probe.warnings for m in w.meetings]
    return list(dict.fromkeys(ids))


def _validate_spec(spec: SeriesSpec) -> None:
    # The same checks meeting_create makes, once, before any occurrence is looked at:
    # a bad title is a 422 even when every date also clashes.
    services._validate_fields(
        title=spec.title, room=spec.room, place=spec.place, attendees=spec.attendees
    )
    services._validate_branch(
        kind=spec.kind,
        branch_of=spec.branch_of,
        room=spec.room,
        link_test_minutes=spec.link_test_minutes,
    )


def _book_occurrence(
    occ: Occurrence,
    *,
    series: MeetingSeries,
    spec: SeriesSpec,
    actor: Any,
    now: dt.datetime,
    acknowledge: Sequence[str],
) -> Meeting:
    """One occurrence through the booking rules, as any booking; the approvers' notice is
    the caller's (one for the whole series)."""
    return services.meeting_create(
        actor=actor,
        now=now,
        start=occ.start,
        end=occ.end,
        acknowledge=acknowledge,
        series=series,
        recurrence_id=occ.recurrence_id,
        notify=False,
        **spec.booking_kwargs(),
    )


def series_create(
    *,
    actor: Any,
    spec: SeriesSpec,
    rrule: str | Rule,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    skip_holidays: bool = True,
    include_adjusted_workdays: bool = False,
    acknowledge: Sequence[str] = (),
    skip_conflicts: bool = False,
) -> SeriesResult:
    """Book a series: each occurrence through services.meeting_create, in one transaction.

    Without `skip_conflicts` a clash anywhere books nothing (409 listing every clashing
    occurrence); with it the others are booked and the skipped dates recorded.
    """
    if not roles.can_book(actor):
        raise PermissionDenied("只有会务人员、秘书或管理员可以预订会议")
    _validate_spec(spec)
    preview = series_preview(
        actor=actor,
        spec=spec,
        rrule=rrule,
        start=start,
        end=end,
        now=now,
        skip_holidays=skip_holidays,
        include_adjusted_workdays=include_adjusted_workdays,
        acknowledge=acknowledge,
    )
    total = len(preview.probes)
    if preview.clashing and (not skip_conflicts or len(preview.clashing) == total):
        hint = (
            "所有日期都有冲突，请调整时间或会议室"
            if len(preview.clashing) == total
            else "可调整时间或会议室，或选择跳过冲突的日期（skip_conflicts）"
        )
        _raise_clashes(actor, preview.probes, total=total, hint=hint)
    rule = _stored_end(preview.plan, preview.rule)
    result: SeriesResult
    # batched: each person gets one message for the whole series, not one per occurrence.
    with transaction.atomic(), notifications.batched(now=now):
        series = MeetingSeries.objects.create(
            rrule=rule.as_string(),
            dtstart=start,
            duration_minutes=int((end - start).total_seconds() // 60),
            until=rule.until,
            count=rule.count,
            skip_holidays=skip_holidays,
            include_adjusted_workdays=include_adjusted_workdays,
            template=spec.as_template(),
            organizer=actor,
            created_at=now,
            updated_at=now,
        )
        result = SeriesResult(series=series, truncated=preview.plan.truncated)
        for probe in preview.probes:
            occ = probe.occurrence
            if probe.clash:
                result.skipped.append(_skip_entry(occ, CONFLICT, _probe_conflict_ids(probe)))
                continue
            try:
                meeting = _book_occurrence(
                    occ, series=series, spec=spec, actor=actor, now=now, acknowledge=acknowledge
                )
            except (BookingConflict, SoftConflict, VcPoolExhausted) as exc:
                # Taken between the preview and now (a concurrent booking), or no VC
                # number left that day: the same choice as a clash seen in the preview.
                if not skip_conflicts:
                    probe.refused = exc.message
                    raise _conflict(actor, [probe], total=total, hint="请重试") from exc
                result.skipped.append(_skip_entry(occ, CONFLICT))
                continue
            result.created.append(meeting)
        result.skipped.extend(_skip_entry(o, HOLIDAY) for o in preview.plan.holidays)
        result.skipped.sort(key=lambda s: s["date"])
        series.template = {**series.template, "skipped": result.skipped}
        series.save(update_fields=["template"])
        audit_record(
            actor=actor,
            action="create",
            obj=series,
            summary=f"预订系列会议：{spec.title}"
            + f"（{preview.rule.label()}，共 {len(result.created)} 次"
            + (f"，跳过 {len(result.skipped)} 次" if result.skipped else "")
            + "）",
            changes={
                "rrule": series.rrule,
                "meetings": [m.pk for m in result.created],
                "skipped": result.skipped,
            },
            at=now,
        )
        _notify_approvers(series, result.created, actor=actor, now=now)
    return result


def _notify_approvers(
    series: MeetingSeries, meetings: Sequence[Meeting], *, actor: Any, now: dt.datetime
) -> None:
    """One notice for the whole series, not one per occurrence."""
    pending = [m for m in meetings if m.status == Status.PENDING]
    if not pending:
        return
    first = localtime(pending[0].start)
    services._notify(
        services._approvers(),
        kind="approval_requested",
        subject=f"待审批：{series.template.get('title', '系列会议')}（系列，共 {len(pending)} 次）",
        body=f"{user_display_name(actor)} 申请 {pending[0].location}，"
        f"自 {first.month}月{first.day}日 {first:%H:%M} 起共 {len(pending)} 次。",
        meeting=pending[0],
        now=now,
    )


# --- access -------------------------------------------------------------------------------


def can_edit_series(user: Any, series: MeetingSeries) -> bool:
    if roles.is_admin(user):
        return True
    return bool(series.organizer_id == getattr(user, "pk", None) and roles.can_book(user))


@dataclass
class SeriesApproval:
    approved: list[Meeting]
    # Occurrences whose hold ran out before anyone decided: released, not approved.
    expired: list[Meeting]


def series_approve(
    *, series: MeetingSeries, actor: Any, now: dt.datetime, note: str = ""
) -> SeriesApproval:
    """Approve every pending occurrence of a series at once (审批人), in one transaction.

    A weekly 常务会议 in a room that needs approval waits as fifty requests; deciding
    them one by one is what approvers should not have to do. The organiser gets one
    notice and each attendee one invitation for the lot. Overdue holds are released
    (as the worker would), not approved.
    """
    if not roles.can_approve(actor):
        raise PermissionDenied("只有审批人可以审批")
    pending = list(
        Meeting.objects.filter(series=series, status=Status.PENDING)
        .select_related("room", "organizer")
        .order_by("start", "pk")
    )
    if not pending:
        raise InvalidTransition("该系列没有待审批的会议")
    due = [m for m in pending if m.hold_expires_at is not None and m.hold_expires_at <= now]
    if due:
        services.holds_expire(now=now)
    approved = []
    with transaction.atomic(), notifications.batched(now=now):
        for meeting in pending:
            if meeting in due:
                continue
            services.meeting_approve(
                meeting=meeting, actor=actor, now=now, note=note, notify_organiser=False
            )
            approved.append(meeting)
        if approved:
            first, last = localtime(approved[0].start), localtime(approved[-1].start)
            services._notify(
                [approved[0].organizer],
                kind="approved",
                subject=f"已批准：{approved[0].title}（系列，共 {len(approved)} 次）",
                body=(
                    f"{first.year}年{first.month}月{first.day}日至{last.month}月{last.day}日"
                    f"的 {len(approved)} 次会议已批准。" + (f"审批意见：{note}" if note else "")
                ),
                meeting=approved[0],
                now=now,
            )
    return SeriesApproval(approved=approved, expired=due)


def access_series(user: Any, series_id: int, *, edit: bool = False) -> MeetingSeries:
    """The series if `user` may see it (details masked as for its meetings) or edit it."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    series = MeetingSeries.objects.select_related("organizer").filter(pk=series_id).first()
    if series is None:
        raise NotFound("会议系列不存在", details={"id": series_id})
    if edit and not can_edit_series(user, series):
        raise PermissionDenied("只有承办人或会务管理员可以修改此系列会议")
    return series


def series_meetings(series: MeetingSeries, user: Any) -> QuerySet[Meeting]:
    """The series' occurrences (cancelled ones too), visibility annotated, by start."""
    return with_visibility(
        Meeting.objects.filter(series=series).select_related("room"), user
    ).order_by("start", "pk")


def series_visible(user: Any, series: MeetingSeries, meetings: Sequence[Meeting]) -> bool:
    if series.template.get("confidentiality") != Confidentiality.CONFIDENTIAL:
        return True
    if roles.sees_all_confidential(user) or series.organizer_id == getattr(user, "pk", None):
        return True
    return any(getattr(m, "details_visible", False) for m in meetings)


# --- edits --------------------------------------------------------------------------------


def _rule_of(series: MeetingSeries) -> Rule:
    return parse_rrule(series.rrule)


def _field_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(SERIES_FIELDS))
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(unknown)}", field=unknown[0])
    return dict(changes)


def _new_template(
    template: dict[str, Any],
    fields: dict[str, Any],
    attendees: Sequence[services.AttendeeSpec] | None,
) -> dict[str, Any]:
    out = dict(template)
    for name, value in fields.items():
        if name == "room":
            out["room_id"] = value.pk if value is not None else None
        else:
            out[name] = value
    if attendees is not None:
        out["attendees"] = [[a.person.pk, a.role] for a in attendees]
    return out


def series_update(
    *,
    series: MeetingSeries,
    actor: Any,
    now: dt.datetime,
    scope: str,
    occurrence: Meeting | None = None,
    changes: dict[str, Any] | None = None,
    attendees: Sequence[services.AttendeeSpec] | None = None,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    rrule: str | None = None,
    skip_holidays: bool | None = None,
    include_adjusted_workdays: bool | None = None,
    acknowledge: Sequence[str] = (),
) -> SeriesResult:
    """Edit "all" (every occurrence not yet started, except exceptions) or "following"
    (`occurrence` and the later ones, splitting the series there).

    `start_time`/`end_time` move the occurrences within their own day. A new rule
    (`rrule`, `skip_holidays`, `include_adjusted_workdays`) only with "following":
    from that occurrence on, dates the new rule drops are cancelled, new dates booked;
    exceptions and cancelled occurrences stay as they are.
    """
    if not can_edit_series(actor, series):
        raise PermissionDenied("只有承办人或会务管理员可以修改此系列会议")
    if scope not in SCOPES:
        raise InvalidInput("修改范围只能是 all（全部）或 following（本次及以后）", field="scope")
    fields = _field_changes(changes or {})
    rule_change = (
        rrule is not None or skip_holidays is not None or include_adjusted_workdays is not None
    )
    if scope == "all" and rule_change:
        raise InvalidInput(
            "修改重复规则请选择“本次及以后”：从某一次会议起按新规则安排，之前的会议保持不变",
            field="rrule",
        )
    if scope == "following":
        if occurrence is None:
            raise InvalidInput("请指定从哪一次会议起修改（from）", field="from")
        if occurrence.series_id != series.pk or occurrence.recurrence_id is None:
            raise InvalidInput("该会议不属于此系列", field="from")
        if occurrence.end <= now:
            raise InvalidInput("该次会议已经结束，请从尚未开始的一次起修改", field="from")

    # Times of day: the series' own unless changed; duration follows.
    local_start = localtime(series.dtstart)
    old_time = local_start.time()
    new_time = start_time or old_time
    duration = dt.timedelta(minutes=series.duration_minutes)
    if end_time is not None:
        duration = dt.datetime.combine(local_start.date(), end_time) - dt.datetime.combine(
            local_start.date(), new_time
        )
        if duration <= dt.timedelta(0):
            raise InvalidInput("结束时间必须晚于开始时间", field="end_time")
    time_changed = new_time != old_time or duration != dt.timedelta(minutes=series.duration_minutes)

    from_key = key_of(occurrence) if scope == "following" and occurrence is not None else None
    rows = list(Meeting.objects.filter(series=series).select_related("room").order_by("start"))

    # Which rows change: not started, blocking, not exceptions — and for "following",
    # the chosen occurrence itself whatever it is (the user picked it).
    def editable(m: Meeting) -> bool:
        if m.status not in BLOCKING or m.start <= now:
            return False
        if from_key is None:
            return not m.is_exception
        if occurrence is not None and m.pk == occurrence.pk:
            return True
        return key_of(m) > from_key and not m.is_exception

    targets = [m for m in rows if editable(m)]

    # A new rule (only "following"): where it puts each date from the split on.
    new_rule: Rule | None = None
    new_plan: Plan | None = None
    new_skip = series.skip_holidays if skip_holidays is None else skip_holidays
    new_adjusted = (
        series.include_adjusted_workdays
        if include_adjusted_workdays is None
        else include_adjusted_workdays
    )
    if rule_change and from_key is not None:
        first = at_local(from_key, new_time)
        base = parse_rrule(rrule) if rrule is not None else _continuing_rule(series)
        new_rule = anchored(base, first)
        new_plan = plan_occurrences(
            rule=new_rule,
            first_start=first,
            duration=duration,
            skip_holidays=new_skip,
            include_adjusted_workdays=new_adjusted,
        )
        new_rule = _stored_end(new_plan, new_rule)

    planned = {o.key: o for o in new_plan.occurrences} if new_plan else {}
    to_cancel: list[Meeting] = []
    edits: list[tuple[Meeting, Occurrence]] = []
    for m in targets:
        k = key_of(m)
        if new_plan is not None:
            occ = planned.get(k)
            if occ is None:
                to_cancel.append(m)
                continue
            edits.append((m, occ))
            continue
        day = localtime(m.start).date()
        start = at_local(day, new_time) if time_changed else m.start
        rid = at_local(k, new_time) if time_changed else m.recurrence_id
        assert rid is not None
        edits.append((m, Occurrence(k, rid, start, start + duration if time_changed else m.end)))

    # New dates of a new rule: never where a row exists (a cancelled one stays
    # cancelled) nor where a clash was skipped before.
    creates: list[Occurrence] = []
    if new_plan is not None:
        existing = {key_of(m) for m in rows}
        skipped = {
            s["date"] for s in series.template.get("skipped", []) if s.get("reason") == CONFLICT
        }
        creates = [
            o
            for o in new_plan.occurrences
            if o.key not in existing and o.key.isoformat() not in skipped and o.start > now
        ]

    template = _new_template(series.template, fields, attendees)
    spec = spec_from_template(template)
    if "room" in fields:
        spec.room = fields["room"]
    if fields or attendees is not None:
        _validate_spec(spec)
    probes = _probe_edits(actor, edits, creates, fields, attendees, spec, acknowledge, now)
    _raise_clashes(
        actor,
        probes,
        total=len(probes),
        hint="系列未作修改。请调整时间或会议室，或单独修改冲突的那几次",
    )

    with transaction.atomic(), notifications.batched(now=now):
        split_from = None
        target = series
        if from_key is not None and any(key_of(m) < from_key for m in rows):
            target = _split(series, at=from_key, now=now)
            split_from = series
            # The rows in hand were read before the split; the services save whole rows.
            for m in rows:
                if key_of(m) >= from_key:
                    m.series = target
        result = SeriesResult(series=target, split_from=split_from)
        for m, occ in edits:
            if _apply_edit(
                m, occ, fields, attendees, actor=actor, acknowledge=acknowledge, now=now
            ):
                result.updated.append(m)
        for m in to_cancel:
            services.meeting_cancel(
                meeting=m, actor=actor, now=now, reason="系列重复规则已修改，本次不再举行"
            )
            # Out of the series: the date is free for a later rule, unlike a date the
            # user cancelled, which stays cancelled (the feeds keep showing it cancelled).
            Meeting.objects.filter(pk=m.pk).update(series=None)
            result.cancelled.append(m)
        before = {
            "rrule": target.rrule,
            "dtstart": localtime(target.dtstart).isoformat(),
            "duration_minutes": target.duration_minutes,
        }
        target.template = {**target.template, **_new_template({}, fields, attendees)}
        if time_changed:
            target.dtstart = at_local(localtime(target.dtstart).date(), new_time)
            target.duration_minutes = int(duration.total_seconds() // 60)
        if new_rule is not None and from_key is not None:
            target.rrule = new_rule.as_string()
            target.until, target.count = new_rule.until, new_rule.count
            target.dtstart = at_local(from_key, new_time)
            target.skip_holidays, target.include_adjusted_workdays = new_skip, new_adjusted
        for occ in creates:
            try:
                made = _book_occurrence(
                    occ, series=target, spec=spec, actor=actor, now=now, acknowledge=acknowledge
                )
            except (BookingConflict, SoftConflict, VcPoolExhausted) as exc:
                raise _conflict(
                    actor,
                    [Probe(occ, refused=exc.message)],
                    total=len(probes),
                    hint="系列未作修改，请重试",
                ) from exc
            result.created.append(made)
        if new_plan is not None:
            kept = [s for s in target.template.get("skipped", []) if s.get("reason") == CONFLICT]
            holidays = [_skip_entry(o, HOLIDAY) for o in new_plan.holidays]
            target.template["skipped"] = sorted([*kept, *holidays], key=lambda s: s["date"])
        target.updated_at = now
        target.save()
        after = {
            "rrule": target.rrule,
            "dtstart": localtime(target.dtstart).isoformat(),
            "duration_minutes": target.duration_minutes,
        }
        audit_record(
            actor=actor,
            action="update",
            obj=target,
            summary=("修改全部" if scope == "all" else "修改本次及以后")
            + f"：改 {len(result.updated)} 次"
            + (f"，新增 {len(result.created)} 次" if result.created else "")
            + (f"，取消 {len(result.cancelled)} 次" if result.cancelled else "")
            + (f"（自系列 {split_from.pk} 拆分）" if split_from else ""),
            changes={
                **diff(before, after),
                "fields": {k: str(v) if k == "room" else v for k, v in fields.items()},
                "meetings": [m.pk for m in result.updated],
            },
            at=now,
        )
        _notify_approvers(target, result.created, actor=actor, now=now)
    return result


def _continuing_rule(series: MeetingSeries) -> Rule:
    """The series' rule, with COUNT turned into the UNTIL it amounts to (for a split)."""
    rule = _rule_of(series)
    if rule.count is None:
        return rule
    plan = plan_occurrences(
        rule=anchored(rule, series.dtstart),
        first_start=series.dtstart,
        duration=dt.timedelta(minutes=series.duration_minutes),
        skip_holidays=series.skip_holidays,
        include_adjusted_workdays=series.include_adjusted_workdays,
        strict=False,
    )
    assert plan.last is not None
    return rule.with_end(until=at_local(localtime(plan.last).date(), dt.time(23, 59, 59)))


def _split(series: MeetingSeries, *, at: dt.date, now: dt.datetime) -> MeetingSeries:
    """End `series` the day before `at`; a new series takes `at` and what follows."""
    rule = _continuing_rule(series)
    boundary = _day_start(at)
    skipped = series.template.get("skipped", [])
    tail = MeetingSeries.objects.create(
        rrule=rule.as_string(),
        dtstart=at_local(at, localtime(series.dtstart).time()),
        duration_minutes=series.duration_minutes,
        until=rule.until,
        count=rule.count,
        skip_holidays=series.skip_holidays,
        include_adjusted_workdays=series.include_adjusted_workdays,
        template={
            **series.template,
            "skipped": [s for s in skipped if s["date"] >= at.isoformat()],
            "split_from": series.pk,
        },
        organizer=series.organizer,
        created_at=now,
        updated_at=now,
    )
    # Every occurrence from the split on moves with its state: exceptions stay
    # exceptions, cancelled ones stay cancelled.
    Meeting.objects.filter(series=series, recurrence_id__gte=boundary).update(series=tail)
    head = rule.with_end(until=boundary - dt.timedelta(seconds=1))
    series.rrule = head.as_string()
    series.until, series.count = head.until, None
    series.template = {
        **series.template,
        "skipped": [s for s in skipped if s["date"] < at.isoformat()],
    }
    series.updated_at = now
    series.save()
    return tail


def _probe_edits(
    actor: Any,
    edits: Sequence[tuple[Meeting, Occurrence]],
    creates: Sequence[Occurrence],
    fields: dict[str, Any],
    attendees: Sequence[services.AttendeeSpec] | None,
    spec: SeriesSpec,
    acknowledge: Sequence[str],
    now: dt.datetime,
) -> list[Probe]:
    probes = []
    new_people = [a.person.pk for a in attendees] if attendees is not None else None
    for m, occ in edits:

        def value(name: str, m: Meeting = m) -> Any:
            return fields[name] if name in fields else getattr(m, name)

        # Checked when meeting_update will check: a change of time, place, buffers,
        # roster or numbers. A title change must not trip over warnings acknowledged
        # when the series was booked.
        rescheduled = (occ.start, occ.end) != (m.start, m.end) or any(
            value(f) != getattr(m, f) for f in _SCHEDULE_FIELDS
        )
        if not (
            rescheduled
            or new_people is not None
            or value("expected_attendance") != m.expected_attendance
        ):
            continue
        people = (
            new_people
            if new_people is not None
            else [p for p in m.attendances.values_list("person_id", flat=True) if p]
        )
        probes.append(
            _probe(
                Probe(occ, meeting=m),
                room=value("room"),
                setup_minutes=value("setup_minutes"),
                teardown_minutes=value("teardown_minutes"),
                person_ids=people,
                expected_attendance=value("expected_attendance"),
                branch_of=value("branch_of") or "",
                link_test_minutes=value("link_test_minutes"),
                acknowledge=acknowledge,
                now=now,
            )
        )
    person_ids = [a.person.pk for a in spec.attendees]
    for occ in creates:
        probes.append(
            _probe(
                Probe(occ),
                room=spec.room,
                setup_minutes=spec.setup_minutes,
                teardown_minutes=spec.teardown_minutes,
                person_ids=person_ids,
                expected_attendance=spec.expected_attendance,
                branch_of=spec.branch_of,
                link_test_minutes=spec.link_test_minutes,
                acknowledge=acknowledge,
                now=now,
            )
        )
    return probes


def _apply_edit(
    meeting: Meeting,
    occ: Occurrence,
    fields: dict[str, Any],
    attendees: Sequence[services.AttendeeSpec] | None,
    *,
    actor: Any,
    acknowledge: Sequence[str],
    now: dt.datetime,
) -> bool:
    """Apply the edit to one occurrence through meeting_update; False if nothing changed."""
    wanted = {**fields, "start": occ.start, "end": occ.end}
    changes = {k: v for k, v in wanted.items() if getattr(meeting, k) != v}
    if changes.get("priority", 0) is None:
        del changes["priority"]
    moved_rid = meeting.recurrence_id != occ.recurrence_id
    if not changes and attendees is None:
        if moved_rid:
            meeting.recurrence_id = occ.recurrence_id
            meeting.save(update_fields=["recurrence_id"])
        return False
    meeting.recurrence_id = occ.recurrence_id
    try:
        services.meeting_update(
            meeting=meeting,
            actor=actor,
            now=now,
            acknowledge=acknowledge,
            attendees=attendees,
            _series_edit=True,
            **changes,
        )
    except (BookingConflict, SoftConflict, VcPoolExhausted) as exc:
        # A booking made since the check: nothing of the edit is kept (the caller's
        # transaction rolls back), and the answer names this occurrence.
        raise SeriesConflict(
            f"{localtime(occ.start).month}月{localtime(occ.start).day}日的会议："
            f"{exc.message}。系列未作修改",
            details={
                "occurrences": [probe_item(actor, Probe(occ, meeting=meeting, refused=exc.message))]
            },
        ) from exc
    return True


# --- one occurrence -----------------------------------------------------------------------


def occurrence_restore(
    *, meeting: Meeting, actor: Any, now: dt.datetime, acknowledge: Sequence[str] = ()
) -> Meeting:
    """Bring back a cancelled occurrence of a series: the booking rules run again, as for
    a new booking (409 with the conflicts if the room was taken meanwhile)."""
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以恢复此会议")
    if meeting.series_id is None:
        raise InvalidTransition("只有系列会议中取消的某一次可以恢复；单次会议请重新预订")
    if meeting.status != Status.CANCELLED:
        raise InvalidTransition("只有已取消的会议可以恢复")
    services.validate_times(start=meeting.start, end=meeting.end, now=now)
    person_ids = [p for p in meeting.attendances.values_list("person_id", flat=True) if p]
    try:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting.pk).first()
            if locked is None or locked.status != Status.CANCELLED:
                raise InvalidTransition("该会议已被他人处理，请刷新")
            services._lock_room(meeting.room)
            check = services.meeting_recheck(meeting, person_ids=person_ids, now=now)
            services._raise_for(check, actor=actor, acknowledge=acknowledge)
            services._record_acknowledgement(
                meeting, check, actor=actor, acknowledge=acknowledge, now=now
            )
            services._enter_submitted_state(meeting, actor=actor, now=now)
            meeting.cancel_reason = ""
            # Clients that saw STATUS:CANCELLED take the entry back only with a new SEQUENCE.
            meeting.sequence += 1
            meeting.updated_at = now
            services._save_guarded(meeting)
            released = VcLink.objects.filter(meeting=meeting, active=False).first()
            if released is not None:
                # Cancelling released its link; coming back, it books one of the same kind
                # again (a pool number free now, the upstream link it was given), in this
                # transaction: no free number, no restore.
                wanted = VcRequest(
                    provider=released.provider,
                    url=released.url,
                    number=released.number,
                    password=released.password,
                    dial_in=released.dial_in,
                )
                if released.provider != "external":
                    wanted = VcRequest(provider=released.provider)
                vc_after_save(meeting, actor=actor, now=now, attach=vc_validate(wanted))
            audit_record(
                actor=actor,
                action="restore",
                obj=meeting,
                summary=f"恢复：{meeting.get_status_display()}",
                changes={"status": [Status.CANCELLED, meeting.status]},
                at=now,
            )
            services._after_submit(meeting, now=now)
            if meeting.status == Status.APPROVED:
                notifications.meeting_confirmed(meeting, now=now)
    except (BookingConflict, SoftConflict) as exc:
        meeting.refresh_from_db()
        services._alternatives_on_failure(
            exc,
            room=meeting.room,
            start=meeting.start,
            end=meeting.end,
            needed_capacity=max(meeting.expected_attendance or 0, len(person_ids)),
            now=now,
            exclude_id=meeting.pk,
        )
        raise
    except InvalidTransition:
        meeting.refresh_from_db()
        raise
    return meeting
