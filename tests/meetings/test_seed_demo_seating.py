"""The demo data comes with seat layouts and a seated 常务会议."""

from __future__ import annotations

import pytest

from meetings.management.commands.seed_demo import seed
from meetings.models import Kind, Meeting
from meetings.seating.selectors import seating_state
from rooms.models import RoomLayout
from tests.factories import at

pytestmark = pytest.mark.django_db

MONDAY = at(30, 8, month=11)  # Monday 30 November 2026, 08:00


def test_rooms_get_layouts_and_the_executive_meeting_is_seated():
    result = seed(now=MONDAY)
    assert result is not None and not result.refused, result and result.refused
    defaults = dict(RoomLayout.objects.filter(is_default=True).values_list("room__name", "kind"))
    assert defaults == {
        "第一会议室": "rostrum",
        "常务会议室": "u_shape",
        "视频会议室": "classroom",
        "接待室": "reception",
        "多功能厅": "rostrum",
    }
    executive = Meeting.objects.filter(kind=Kind.EXECUTIVE).order_by("start").first()
    state = seating_state(executive)
    assert state.arranged and not state.unseated
    centre = state.arrangement.person_at("U15")  # the head table's middle seat
    assert state.name_of(centre) == "张建国"
    assert len(state.arrangement.assignments) == len(state.people) >= 10
    hall = Meeting.objects.filter(room__name="多功能厅").first()
    assert seating_state(hall).arranged
    assert seed(now=MONDAY) is None  # nothing twice
    assert RoomLayout.objects.count() == 7
