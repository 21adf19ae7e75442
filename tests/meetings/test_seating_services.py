"""Seating services: arrange by protocol, move, swap, lock, reprint, permissions, audit."""

from __future__ import annotations

import pytest

from core.audit import audit_for
from core.exceptions import InvalidInput, InvalidTransition, NotEnoughSeats, PermissionDenied
from core.models import Person
from meetings.models import Attendance, Role, Rsvp, SeatAssignment, SeatingPlan, Status
from meetings.seating import services
from meetings.seating.engine import Options, Precedence, UnitOrder, card_order
from meetings.seating.selectors import SeatingOptions, seating_state
from rooms.layouts import Zone
from rooms.models import RoomLayout
from tests.factories import NOW, at, make_room
from tests.meetings.seating_support import rostrum_reading, scene, seat_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def seated(organiser):
    s = scene(organiser, start=at(1, 9))
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def state_of(s):
    return seating_state(s.meeting)


# --- arrange --------------------------------------------------------------------------------


def test_arrange_puts_leaders_on_the_rostrum_by_the_left_rule(seated):
    state = state_of(seated)
    # DESIGN §5: seven people read 7 5 3 1 2 4 6 from the audience.
    assert rostrum_reading(state) == "七号 五号 三号 一号 二号 四号 六号"
    assert not state.unseated
    audience = [seat_of(state, a.display_name) for a in seated.heads]
    assert all(seat.startswith("A") for seat in audience)  # heads below the rostrum


def test_audience_blocks_follow_the_customary_unit_order(seated):
    state = state_of(seated)
    row1 = sorted(state.layout.in_zone(Zone.AUDIENCE), key=lambda s: (s.row, s.x))
    names = [
        state.name_of(state.arrangement.person_at(s.id))
        for s in row1
        if state.arrangement.person_at(s.id)
    ]
    units = [n[:3] for n in names]
    assert units == sorted(units, key=["财政局", "教育局", "水利局"].index)


def test_right_rule_mirrors_the_rostrum(seated, organiser):
    options = SeatingOptions(Options(precedence=Precedence.RIGHT))
    state = services.seating_arrange(
        actor=organiser, meeting=seated.meeting, now=NOW, options=options
    )
    assert rostrum_reading(state) == "六号 四号 二号 一号 三号 五号 七号"
    plan = SeatingPlan.objects.get(meeting=seated.meeting)
    assert plan.options["precedence"] == "right"  # stored for the next re-arrange


def test_unit_order_by_strokes_is_stored_and_used(seated, organiser):
    options = SeatingOptions(Options(unit_order=UnitOrder.STROKES))
    state = services.seating_arrange(
        actor=organiser, meeting=seated.meeting, now=NOW, options=options
    )
    first = sorted(
        (s for s in state.layout.in_zone(Zone.AUDIENCE) if state.arrangement.person_at(s.id)),
        key=lambda s: (s.row, s.x),
    )[0]
    # 水(4 strokes) < 财(7) < 教(11): 县水利局 first by the strokes of the unit's name.
    assert state.name_of(state.arrangement.person_at(first.id)).startswith("水利局")


def test_more_people_than_seats_is_a_clear_error_and_nothing_is_saved(organiser):
    one_row = {"rostrum_rows": [7], "audience_rows": 1, "audience_blocks": [3, 4, 3]}
    s = scene(organiser, start=at(1, 9), heads=11, params=one_row)  # 10 seats for 11 heads
    with pytest.raises(NotEnoughSeats) as error:
        services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    assert "11" in error.value.message and "10" in error.value.message
    assert error.value.status == 422
    assert not SeatAssignment.objects.exists()
    assert not SeatingPlan.objects.exists()


def test_an_empty_roster_cannot_be_arranged(organiser):
    s = scene(organiser, start=at(1, 9), heads=0)
    Attendance.objects.filter(meeting=s.meeting).delete()
    with pytest.raises(InvalidInput, match="没有参会人员"):
        services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)


def test_staff_and_people_on_leave_get_no_seat(seated, organiser):
    staff = Person.objects.create(name="会务员", unit=seated.units["县政府"], rank=500)
    Attendance.objects.create(meeting=seated.meeting, person=staff, role=Role.STAFF)
    away = seated.heads[0]
    away.rsvp = Rsvp.LEAVE
    away.save()
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    names = {p.name for p in state.people}
    assert "会务员" not in names and away.display_name not in names
    assert len(state.arrangement.assignments) == 12


def test_a_crowded_rostrum_sends_the_lowest_ranked_below_with_a_note(organiser):
    s = scene(organiser, start=at(1, 9))
    extra = Person.objects.create(name="八号", unit=s.units["县政府"], rank=8, is_leader=True)
    Attendance.objects.create(meeting=s.meeting, person=extra, role=Role.ATTEND)
    state = services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    assert seat_of(state, "八号").startswith("A1")  # front audience row
    assert any("主席台座位不足" in note and "八号" in note for note in state.notes)


def test_the_rank_override_of_the_meeting_wins(seated, organiser):
    seven = seated.leaders[6]
    seven.rank_override = 0
    seven.save()
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    assert rostrum_reading(state).split()[3] == "七号"  # the centre seat


def test_switching_to_another_layout_of_the_room_and_adjusting_it(seated, organiser):
    wide = RoomLayout.objects.create(
        room=seated.room,
        name="大会",
        kind="rostrum",
        params={"rostrum_rows": [9], "audience_rows": 2, "audience_blocks": [5, 5]},
    )
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW, layout=wide)
    assert len(state.layout.in_zone(Zone.ROSTRUM)) == 9
    assert state.choice.source == wide
    adjusted = {"rostrum_rows": [7, 7], "audience_rows": 2, "audience_blocks": [5, 5]}
    state = services.seating_arrange(
        actor=organiser, meeting=seated.meeting, now=NOW, params=adjusted
    )
    assert len(state.layout.in_zone(Zone.ROSTRUM)) == 14
    wide.refresh_from_db()
    assert wide.params["rostrum_rows"] == [9]  # the room's layout is untouched: a copy changed
    with pytest.raises(InvalidInput, match="rostrum_rows"):
        services.seating_arrange(
            actor=organiser, meeting=seated.meeting, now=NOW, params={"rows": 3}
        )
    other = RoomLayout.objects.create(
        room=make_room("别的会议室"), name="x", kind="long_table", params={"per_side": 4}
    )
    with pytest.raises(InvalidInput, match="不属于"):
        services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW, layout=other)


# --- manual changes -----------------------------------------------------------------------


def test_move_to_an_empty_seat_and_refuse_an_occupied_one(seated, organiser):
    head = seated.heads[0]
    state = services.seating_move(
        actor=organiser, meeting=seated.meeting, attendance_id=head.pk, seat_id="A3-10", now=NOW
    )
    assert seat_of(state, head.display_name) == "A3-10"
    occupied = seat_of(state, "一号")
    with pytest.raises(InvalidInput, match="已有人"):
        services.seating_move(
            actor=organiser,
            meeting=seated.meeting,
            attendance_id=head.pk,
            seat_id=occupied,
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="没有这个座位"):
        services.seating_move(
            actor=organiser, meeting=seated.meeting, attendance_id=head.pk, seat_id="Z9", now=NOW
        )


def test_swap_exchanges_two_people(seated, organiser):
    before = state_of(seated)
    a, b = seat_of(before, "一号"), seat_of(before, "二号")
    state = services.seating_swap(
        actor=organiser, meeting=seated.meeting, seat_a=a, seat_b=b, now=NOW
    )
    assert (seat_of(state, "一号"), seat_of(state, "二号")) == (b, a)
    assert SeatAssignment.objects.filter(plan__meeting=seated.meeting).count() == 13


def test_locked_seats_stay_put_when_re_arranging(seated, organiser):
    state = state_of(seated)
    seven_seat = seat_of(state, "七号")
    centre = seat_of(state, "一号")
    services.seating_swap(
        actor=organiser, meeting=seated.meeting, seat_a=seven_seat, seat_b=centre, now=NOW
    )
    services.seating_lock(actor=organiser, meeting=seated.meeting, seat_id=centre, now=NOW)
    with pytest.raises(InvalidInput, match="已锁定"):
        services.seating_swap(
            actor=organiser, meeting=seated.meeting, seat_a=centre, seat_b=seven_seat, now=NOW
        )
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    assert seat_of(state, "七号") == centre  # locked: kept in the centre
    assert state.arrangement.by_seat[centre].locked
    assert seat_of(state, "一号") != centre  # the others arranged around it
    state = services.seating_unlock(
        actor=organiser, meeting=seated.meeting, seat_id=centre, now=NOW
    )
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    assert seat_of(state, "一号") == centre


def test_lock_needs_an_occupied_seat(seated, organiser):
    with pytest.raises(InvalidInput, match="只能锁定"):
        services.seating_lock(actor=organiser, meeting=seated.meeting, seat_id="A3-10", now=NOW)


# --- substitutes and reprints -------------------------------------------------------------


def test_a_substitute_takes_the_absent_persons_seat_and_card(seated, organiser):
    services.seating_mark_printed(
        actor=organiser, meeting=seated.meeting, document=services.CARDS, now=NOW
    )
    services.seating_mark_printed(
        actor=organiser, meeting=seated.meeting, document=services.CHART, now=NOW
    )
    before = state_of(seated)
    seat = seat_of(before, "二号")
    two = seated.leaders[1]
    two.rsvp = Rsvp.SUBSTITUTE
    two.substitute_name, two.substitute_title = "代理人", "副县长（代）"
    two.save()
    state = state_of(seated)
    assert seat_of(state, "代理人") == seat  # same seat, no re-arrangement needed
    notice = services.seating_reprint_plan(state)
    assert [name for name, _ in notice.cards_to_print] == ["代理人"]
    assert [c.seat_id for c in notice.seats] == [seat]
    assert notice.seats[0].before == "二号" and notice.seats[0].after == "代理人"
    assert notice.chart_pages == (1,)
    assert "需重印桌签 代理人" in notice.message


def test_reprint_after_a_move_reprints_the_chart_but_no_card(seated, organiser):
    for document in (services.CHART, services.CARDS):
        services.seating_mark_printed(
            actor=organiser, meeting=seated.meeting, document=document, now=NOW
        )
    assert services.seating_reprint_plan(state_of(seated)).nothing
    head = seated.heads[0]
    services.seating_move(
        actor=organiser, meeting=seated.meeting, attendance_id=head.pk, seat_id="A3-10", now=NOW
    )
    notice = services.seating_reprint_plan(state_of(seated))
    assert notice.cards_to_print == () and notice.cards_to_discard == ()
    assert notice.chart_pages == (1,)
    assert len(notice.seats) == 2 and notice.count == 2
    assert notice.moved == (head.display_name,)
    assert notice.message.startswith("自上次打印后有 2 处变动")


def test_reprint_after_a_roster_change_names_new_and_discarded_cards(seated, organiser):
    for document in (services.CHART, services.CARDS):
        services.seating_mark_printed(
            actor=organiser, meeting=seated.meeting, document=document, now=NOW
        )
    gone = seated.heads[-1]
    gone_name = gone.display_name
    gone.delete()
    newcomer = Person.objects.create(
        name="新来的", unit=seated.units["教育局"], rank=99, title="副局长"
    )
    Attendance.objects.create(meeting=seated.meeting, person=newcomer, role=Role.SIT_IN)
    unseated = state_of(seated)
    assert [p.name for p in unseated.unseated] == ["新来的"]
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    notice = services.seating_reprint_plan(state)
    printed = dict(notice.cards_to_print)
    assert "新来的" in printed and gone_name in notice.cards_to_discard
    # the page is the card's place in the new deck (seat order)
    keys = card_order(state.arrangement, state.layout)
    assert keys[printed["新来的"] - 1] == f"p{newcomer.pk}"
    assert notice.chart_pages == (1,)


def test_a_title_change_reprints_only_that_card(seated, organiser):
    for document in (services.CHART, services.CARDS):
        services.seating_mark_printed(
            actor=organiser, meeting=seated.meeting, document=document, now=NOW
        )
    person = seated.leaders[3].person
    person.title = "常务副县长"
    person.save()
    notice = services.seating_reprint_plan(state_of(seated))
    assert [n for n, _ in notice.cards_to_print] == ["四号"]
    assert notice.seats == () and notice.chart_pages == ()
    assert notice.count == 1


def test_the_snapshot_survives_a_roster_saved_again(seated, organiser):
    services.seating_mark_printed(
        actor=organiser, meeting=seated.meeting, document=services.CARDS, now=NOW
    )
    plan = SeatingPlan.objects.get(meeting=seated.meeting)
    keys = set(plan.printed_snapshot[services.CARDS]["people"])
    assert keys == {f"p{a.person_id}" for a in seated.all}  # person ids, not roster row ids


def test_nothing_printed_says_so(seated):
    notice = services.seating_reprint_plan(state_of(seated))
    assert not notice.printed and notice.message == "尚未打印座次图或桌签"


# --- permissions, state, audit ------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "outsider", "approver"])
def test_only_the_organiser_or_an_admin_may_change_the_seating(who, seated, request):
    user = request.getfixturevalue(who)
    head = seated.heads[0]
    calls = [
        lambda: services.seating_arrange(actor=user, meeting=seated.meeting, now=NOW),
        lambda: services.seating_move(
            actor=user, meeting=seated.meeting, attendance_id=head.pk, seat_id="A3-10", now=NOW
        ),
        lambda: services.seating_swap(
            actor=user, meeting=seated.meeting, seat_a="A1-01", seat_b="A1-02", now=NOW
        ),
        lambda: services.seating_lock(actor=user, meeting=seated.meeting, seat_id="A1-01", now=NOW),
        lambda: services.seating_mark_printed(
            actor=user, meeting=seated.meeting, document=services.CHART, now=NOW
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_an_admin_may_arrange_any_meeting(seated, admin):
    state = services.seating_arrange(actor=admin, meeting=seated.meeting, now=NOW)
    assert len(state.arrangement.assignments) == 13


def test_a_cancelled_meeting_is_not_seated_again(seated, organiser):
    seated.meeting.status = Status.CANCELLED
    seated.meeting.save()
    with pytest.raises(InvalidTransition):
        services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)


def test_every_change_is_in_the_meetings_audit_log(seated, organiser):
    state = state_of(seated)
    a, b = seat_of(state, "一号"), seat_of(state, "二号")
    services.seating_swap(actor=organiser, meeting=seated.meeting, seat_a=a, seat_b=b, now=NOW)
    services.seating_lock(actor=organiser, meeting=seated.meeting, seat_id=a, now=NOW)
    services.seating_mark_printed(
        actor=organiser, meeting=seated.meeting, document=services.CHART, now=NOW, detail="A3"
    )
    entries = list(audit_for(seated.meeting).order_by("pk"))
    assert [e.action for e in entries] == [
        "seating_arrange",
        "seating_swap",
        "seating_lock",
        "seating_print",
    ]
    assert all(e.actor == organiser for e in entries)
    assert "13 人" in entries[0].summary and "以左为上" in entries[0].summary
    assert entries[0].changes["moved"][0] == "一号：（未排） → 台1-4"
    assert "一号" in entries[1].summary and "二号" in entries[1].summary
    assert sorted(entries[1].changes["moved"])[0].startswith("一号：台1-4 → ")
    assert "座次图（A3）" in entries[3].summary


def test_a_refused_change_writes_nothing(seated, organiser):
    before = list(SeatAssignment.objects.values_list("seat_id", "attendance_id", "locked"))
    entries = audit_for(seated.meeting).count()
    with pytest.raises(InvalidInput):
        services.seating_move(
            actor=organiser,
            meeting=seated.meeting,
            attendance_id=seated.heads[0].pk,
            seat_id="R1-04",
            now=NOW,
        )
    assert list(SeatAssignment.objects.values_list("seat_id", "attendance_id", "locked")) == before
    assert audit_for(seated.meeting).count() == entries


def test_the_state_loads_in_a_handful_of_queries(organiser, django_assert_max_num_queries):
    s = scene(organiser, start=at(1, 9), heads=9)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    with django_assert_max_num_queries(4):
        state = seating_state(s.meeting)
        services.seating_reprint_plan(state)
        assert len(state.arrangement.assignments) == 16


def test_a_room_change_clears_the_old_seats_with_a_note(seated):
    other = make_room("第二会议室", layout="long_table", capacity=30)
    seated.meeting.room = other
    seated.meeting.save()
    state = state_of(seated)
    assert state.layout.kind.value == "long_table"
    assert not state.arranged and len(state.unseated) == 13
    assert any("更换会议室" in n for n in state.notes)
    organiser = seated.meeting.organizer
    with pytest.raises(InvalidInput, match="请先重新排座"):
        services.seating_swap(
            actor=organiser, meeting=seated.meeting, seat_a="N01", seat_b="N02", now=NOW
        )
    state = services.seating_arrange(actor=organiser, meeting=seated.meeting, now=NOW)
    assert state.arranged and not state.notes and len(state.layout.seats) == 30
    assert SeatingPlan.objects.get(meeting=seated.meeting).kind == "long_table"


def test_a_meeting_without_a_room_has_no_seating(organiser):
    s = scene(organiser, start=at(1, 9))
    s.meeting.room = None
    s.meeting.place = "青石镇"
    s.meeting.save()
    with pytest.raises(InvalidInput, match="没有座位布局"):
        seating_state(s.meeting)


def test_a_room_without_stored_layouts_gets_one_from_its_kind_and_capacity(organiser):
    s = scene(organiser, start=at(1, 9))
    RoomLayout.objects.all().delete()
    state = services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    assert state.layout.kind.value == "rostrum" and len(state.layout.seats) >= 60
    assert rostrum_reading(state).split()[len(state.layout.in_zone(Zone.ROSTRUM)) // 2] == "一号"
