"""Agenda and notice services: the rules for times, units and 候会, permissions, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.audit import audit_for
from core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from meetings import agenda as svc
from meetings.models import Status
from tests.meetings.attendee_support import cast, meeting_for

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


def add(meeting, actor, topic="议题", **kw):
    return svc.agenda_item_add(meeting=meeting, actor=actor, now=timezone.now(), topic=topic, **kw)


def test_items_are_added_in_order_and_audited(meeting, organiser, c):
    a = add(
        meeting,
        organiser,
        "听取汇报",
        starts_at=meeting.start,
        unit_ids=[c.finance.pk],
        wait_from=meeting.start - 10 * MIN,
        presenter="县财政局",
    )
    b = add(meeting, organiser, "研究供热", starts_at=meeting.start + 50 * MIN)
    assert [i.pk for i in svc.agenda_items(meeting)] == [a.pk, b.pk]
    entry = audit_for(meeting).filter(action="agenda_add").last()
    assert entry.changes["after"]["units"] == ["县财政局"] and entry.changes["after"]["wait_from"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"topic": "  "}, "议题不能为空"),
        ({"topic": "x" * 301}, "议题不能超过"),
        ({"presenter": "x" * 201}, "汇报人不能超过"),
        ({"starts_at": "before"}, "议题时间须在会议时间"),
        ({"starts_at": "end"}, "议题时间须在会议时间"),
        ({"wait_from": "next day"}, "候会时间须在会议当天"),
        ({"wait_from": "after item", "starts_at": "start"}, "候会时间不能晚于"),
        ({"unit_ids": [999999]}, "单位不存在"),
    ],
)
def test_bad_items_are_refused(meeting, organiser, kw, message):
    times = {
        "before": meeting.start - MIN,
        "end": meeting.end,
        "start": meeting.start,
        "next day": meeting.start + dt.timedelta(days=1),
        "after item": meeting.start + MIN,
    }
    kw = {
        k: times.get(v, v) if isinstance(v, str) and k != "topic" and k != "presenter" else v
        for k, v in kw.items()
    }
    topic = kw.pop("topic", "议题")
    with pytest.raises(InvalidInput, match=message):
        add(meeting, organiser, topic, **kw)
    assert meeting.agenda_items.count() == 0


def test_update_clears_times_and_units_and_keeps_the_rest(meeting, organiser, c):
    item = add(
        meeting,
        organiser,
        "听取汇报",
        starts_at=meeting.start,
        unit_ids=[c.finance.pk],
        wait_from=meeting.start - 5 * MIN,
    )
    svc.agenda_item_update(
        item=item, actor=organiser, now=timezone.now(), wait_from=None, unit_ids=[]
    )
    item.refresh_from_db()
    assert item.wait_from is None and item.units.count() == 0 and item.starts_at == meeting.start
    with pytest.raises(InvalidInput, match="候会时间不能晚于"):
        svc.agenda_item_update(
            item=item, actor=organiser, now=timezone.now(), wait_from=meeting.start + MIN
        )
    assert audit_for(meeting).filter(action="agenda_update").exists()


def test_reorder_move_and_delete(meeting, organiser):
    a, b, c_ = (add(meeting, organiser, t) for t in ("一", "二", "三"))
    svc.agenda_reorder(
        meeting=meeting, actor=organiser, now=timezone.now(), ids=[c_.pk, a.pk, b.pk]
    )
    assert [i.topic for i in svc.agenda_items(meeting)] == ["三", "一", "二"]
    svc.agenda_item_move(item=a, actor=organiser, now=timezone.now(), offset=-1)
    assert [i.topic for i in svc.agenda_items(meeting)] == ["一", "三", "二"]
    with pytest.raises(InvalidInput):
        svc.agenda_reorder(meeting=meeting, actor=organiser, now=timezone.now(), ids=[a.pk])
    svc.agenda_item_delete(item=b, actor=organiser, now=timezone.now())
    assert [i.topic for i in svc.agenda_items(meeting)] == ["一", "三"]
    assert (
        audit_for(meeting).filter(action="agenda_delete").first().changes["before"]["topic"] == "二"
    )


@pytest.mark.parametrize("who", ["colleague", "outsider", "approver", "leader", "secretary"])
def test_only_organiser_or_admin_edit_agenda_and_notice(request, meeting, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        add(meeting, user)
    with pytest.raises(PermissionDenied):
        svc.notice_save(meeting=meeting, actor=user, now=timezone.now(), issuer="x")


def test_a_cancelled_meeting_is_not_edited(meeting, organiser):
    meeting.status = Status.CANCELLED
    meeting.save()
    with pytest.raises(InvalidTransition):
        add(meeting, organiser)


def test_the_notice_and_its_deadline(meeting, organiser):
    deadline = meeting.start - dt.timedelta(days=1)
    svc.notice_save(
        meeting=meeting,
        actor=organiser,
        now=timezone.now(),
        issuer="县人民政府办公室",
        rsvp_deadline=deadline,
    )
    meeting.refresh_from_db()
    assert meeting.rsvp_deadline == deadline and meeting.notice.issuer == "县人民政府办公室"
    entry = audit_for(meeting).filter(action="notice_save").first()
    assert "发文机关" in entry.summary and "回执截止" in entry.summary
    with pytest.raises(InvalidInput, match="不能晚于会议开始"):
        svc.notice_save(
            meeting=meeting, actor=organiser, now=timezone.now(), rsvp_deadline=meeting.start + MIN
        )
    svc.notice_save(meeting=meeting, actor=organiser, now=timezone.now(), issuer="县人民政府办公室")
    meeting.refresh_from_db()
    assert meeting.rsvp_deadline is None  # left out: until the meeting starts
