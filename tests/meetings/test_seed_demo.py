"""The demo data: a county government's week, loaded once, never on top of real data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from core import roles
from core.models import Person, Unit
from core.timeutil import local_day_bounds
from core.workdays import is_workday
from meetings.management.commands.seed_demo import DEMO_PASSWORD, seed
from meetings.models import BranchLevel, Confidentiality, Kind, Meeting, Priority, Status
from meetings.vc import vc_details
from rooms.models import Room, VcKind, VcResource
from tests.factories import at, make_room

pytestmark = pytest.mark.django_db

MONDAY = at(30, 8, month=11)  # Monday 30 November 2026, 08:00


def week_of(monday: dt.datetime) -> list[Meeting]:
    start, _ = local_day_bounds(monday.date())
    _, end = local_day_bounds(monday.date() + dt.timedelta(days=6))
    return list(Meeting.objects.filter(start__gte=start, start__lt=end).select_related("room"))


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "people": Person.objects.count(),
        "rooms": Room.objects.count(),
        "meetings": Meeting.objects.count(),
        "users": User.objects.count(),
    }


def test_seeding_twice_creates_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = counts()
    assert first["units"] >= 20 and first["rooms"] == 6 and first["users"] == 5
    assert "huiwu-demo" in capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first
    assert "已有数据" in capsys.readouterr().out


def test_it_never_seeds_on_top_of_real_data():
    make_room("本单位的会议室")
    assert seed(now=MONDAY) is None
    assert not Unit.objects.exists() and not User.objects.exists()


def test_the_week_has_an_executive_meeting_a_teleconference_and_a_courtesy_call():
    result = seed(now=MONDAY)
    assert result is not None and not result.refused, result and result.refused
    week = week_of(MONDAY)
    by_kind = {m.kind: m for m in week}

    executive = by_kind[Kind.EXECUTIVE]
    assert "常务会议" in executive.title
    assert executive.room is not None and executive.room.name == "常务会议室"
    assert executive.status == Status.APPROVED  # requested by staff, approved by the office
    chair = executive.attendances.get(role="chair").person
    assert chair.title == "县长"
    assert executive.attendances.filter(person__is_leader=True).count() >= 8

    vc = by_kind[Kind.TELECONFERENCE]
    assert vc.room is not None and vc.room.name == "视频会议室"
    assert vc.room.equipment.filter(code="vc_terminal").exists()
    # A provincial 分会场: 60 minutes 联调 and the room's 30 minutes 布场 before the start.
    assert vc.branch_of == BranchLevel.PROVINCIAL and vc.priority == Priority.SUPERIOR
    assert vc.start - vc.occupied_start == dt.timedelta(minutes=90)
    assert vc.room.vc_resources.filter(kind=VcKind.TERMINAL, active=True).exists()

    call = by_kind[Kind.COURTESY_CALL]
    assert call.room is not None and call.room.name == "接待室"

    pending = [m for m in week if m.status == Status.PENDING]
    assert len(pending) == 1 and pending[0].room is not None and pending[0].room.needs_approval
    assert pending[0].hold_expires_at is not None
    assert any(m.confidentiality == Confidentiality.CONFIDENTIAL for m in week)


def test_it_books_the_current_and_the_next_week_but_not_the_past():
    friday_noon = at(4, 12)
    result = seed(now=friday_noon)
    assert result is not None and result.skipped_past > 0
    assert all(m.start > friday_noon for m in Meeting.objects.all())
    assert week_of(at(7, 8))  # next week is full
    assert Meeting.objects.filter(start__lt=at(5, 0)).exists()  # this Friday afternoon


def test_demo_users_have_their_roles():
    seed(now=MONDAY)
    user = {u.username: u for u in User.objects.all()}
    assert user["admin"].is_superuser and user["admin"].is_staff
    assert roles.is_admin(user["admin"])
    assert (
        roles.can_approve(user["approver"]) and user["approver"].person.title == "县政府办公室主任"
    )
    assert roles.can_book(user["staff"]) and not roles.can_approve(user["staff"])
    assert roles.has_role(user["leader"], roles.Role.LEADER)
    county_head = Person.objects.get(title="县长")
    assert county_head.user == user["leader"]
    assert roles.has_role(user["secretary"], roles.Role.SECRETARY)
    assert list(county_head.secretaries.all()) == [user["secretary"]]
    assert all(u.check_password(DEMO_PASSWORD) for u in user.values())


@pytest.mark.parametrize(
    "now",
    [
        at(28, 8, month=9),  # the week of National Day 2026: 1–7 October off, 10 October worked
        at(16, 8, month=2),  # Spring Festival 2026: a week with no working day at all
        at(28, 8, month=12),  # into 2027, a year the holiday data may not cover yet
    ],
)
def test_holiday_weeks_get_meetings_on_working_days_only(now):
    result = seed(now=now)
    assert result is not None and not result.refused, result and result.refused
    assert Meeting.objects.exists()
    for m in Meeting.objects.all():
        assert is_workday(m.start.astimezone(now.tzinfo).date()), m


def test_the_demo_has_an_mcu_pool_and_a_meeting_with_a_pool_number():
    result = seed(now=MONDAY)
    assert result is not None and not result.refused, result and result.refused
    pool = VcResource.objects.filter(kind=VcKind.VIRTUAL_ROOM).order_by("number")
    assert [r.number for r in pool] == ["8001", "8002", "8003", "8004", "8005"]
    with_link = [m for m in week_of(MONDAY) if vc_details(m) is not None]
    assert len(with_link) == 1
    details = vc_details(with_link[0])
    assert details is not None and details.provider == "pool" and details.number == "8001"
    assert details.password
