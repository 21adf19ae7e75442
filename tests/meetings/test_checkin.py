"""Check-in: codes, twice is harmless, another meeting's code, clicks, counts, the desk page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.exceptions import InvalidInput, PermissionDenied
from meetings import attendees as svc
from meetings.models import Attendance, Rsvp
from meetings.roster import checkin_count
from tests.conftest import client_for
from tests.meetings.attendee_support import add, cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


@pytest.fixture
def roster(meeting, organiser, c):
    return full_roster(meeting, organiser, c)


def test_a_code_is_short_typeable_and_case_free(roster, meeting, organiser):
    a = roster["李卫东"]
    code = svc.checkin_code(a)
    value, sig = code.split(".")
    assert value == str(a.pk) and len(sig) == 10 and sig.isupper()
    typed = f"  {value}。{sig.lower()} "  # a scanner behind a Chinese input method
    assert svc.attendance_for_code(typed).pk == a.pk


def test_check_in_by_code_twice_is_harmless(roster, meeting, organiser):
    a = roster["李卫东"]
    first = svc.checkin(
        meeting=meeting, actor=organiser, now=timezone.now(), code=svc.checkin_code(a)
    )
    assert not first.already
    stamp = Attendance.objects.get(pk=a.pk).checked_in_at
    again = svc.checkin(
        meeting=meeting, actor=organiser, now=timezone.now(), code=svc.checkin_code(a)
    )
    assert again.already and Attendance.objects.get(pk=a.pk).checked_in_at == stamp
    assert checkin_count(meeting).present == 1


def test_another_meetings_code_is_refused_with_a_clear_message(roster, meeting, organiser, room, c):
    other = meeting_for(organiser, None, title="研究供热价格专题会议", place="外出")
    stranger = add(other, organiser, c.finance_deputy)
    with pytest.raises(InvalidInput, match="另一个会议的签到码：研究供热价格专题会议"):
        svc.checkin(
            meeting=meeting, actor=organiser, now=timezone.now(), code=svc.checkin_code(stranger)
        )
    with pytest.raises(InvalidInput, match="另一个会议"):
        svc.checkin(meeting=meeting, actor=organiser, now=timezone.now(), attendance_id=stranger.pk)
    assert Attendance.objects.get(pk=stranger.pk).checked_in_at is None


def test_garbled_codes_are_refused(roster, meeting, organiser):
    a = roster["李卫东"]
    code = svc.checkin_code(a)
    for bad in (
        "",
        "abc",
        code[:-1] + ("A" if code[-1] != "A" else "B"),
        "1.ABCDEFGHIJ",
        "x" * 200,
    ):
        with pytest.raises(InvalidInput):
            svc.checkin(meeting=meeting, actor=organiser, now=timezone.now(), code=bad)
    assert checkin_count(meeting).present == 0


def test_a_click_in_the_list_checks_in_and_undo_takes_it_back(roster, meeting, organiser):
    a = roster["王海燕"]
    svc.checkin(meeting=meeting, actor=organiser, now=timezone.now(), attendance_id=a.pk)
    assert checkin_count(meeting).present == 1
    svc.checkin_undo(
        attendance=Attendance.objects.get(pk=a.pk), actor=organiser, now=timezone.now()
    )
    assert checkin_count(meeting).present == 0


def test_the_count_is_present_over_expected_without_those_on_leave(roster, meeting, organiser):
    assert (checkin_count(meeting).present, checkin_count(meeting).expected) == (0, 7)
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=timezone.now(), note="病")
    assert checkin_count(meeting).expected == 6
    for name in ("张建国", "李卫东"):
        svc.checkin(
            meeting=meeting, actor=organiser, now=timezone.now(), attendance_id=roster[name].pk
        )
    assert (checkin_count(meeting).present, checkin_count(meeting).expected) == (2, 6)
    # someone on leave who comes after all counts as present and expected
    svc.checkin(
        meeting=meeting, actor=organiser, now=timezone.now(), attendance_id=roster["王海燕"].pk
    )
    assert (checkin_count(meeting).present, checkin_count(meeting).expected) == (3, 7)


def test_desk_staff_may_check_in_but_not_outsiders(roster, meeting, colleague, outsider, leader):
    a = roster["李卫东"]
    svc.checkin(meeting=meeting, actor=colleague, now=timezone.now(), attendance_id=a.pk)
    for who in (outsider, leader):
        with pytest.raises(PermissionDenied):
            svc.checkin(meeting=meeting, actor=who, now=timezone.now(), attendance_id=a.pk)


# --- the desk page -------------------------------------------------------------------------


def test_the_desk_page_checks_in_a_typed_code(roster, meeting, organiser):
    client = client_for(organiser)
    url = f"/meetings/{meeting.pk}/checkin/"
    html = client.get(url).content.decode()
    assert 'id="checkin-code"' in html and "autofocus" in html and "every 3s" in html
    a = roster["李卫东"]
    response = client.post(url, {"code": svc.checkin_code(a)})
    html = response.content.decode()
    assert response.status_code == 200 and "签到成功：李卫东" in html
    assert '<b id="present-count">1</b>' in html
    again = client.post(url, {"code": svc.checkin_code(a)}).content.decode()
    assert "无需重复" in again


def test_the_desk_answers_htmx_with_the_panel_and_the_result(roster, meeting, organiser, c):
    client = client_for(organiser)
    url = f"/meetings/{meeting.pk}/checkin/"
    a = roster["张建国"]
    response = client.post(url, {"code": svc.checkin_code(a)}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="checkin-panel"' in html and 'hx-swap-oob="true"' in html and "签到成功" in html
    other = meeting_for(organiser, None, title="另一会议", place="外出")
    stranger = add(other, organiser, c.finance_deputy)
    html = client.post(
        url, {"code": svc.checkin_code(stranger)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "另一个会议的签到码" in html
    html = client.post(url, {"attendance_id": str(roster["李卫东"].pk)}, HTTP_HX_REQUEST="true")
    assert '<b id="present-count">2</b>' in html.content.decode()
    poll = client.get(f"/meetings/{meeting.pk}/checkin/panel/").content.decode()
    assert '<b id="present-count">2</b>' in poll and "hx-swap-oob" not in poll


def test_the_desk_page_handles_bad_input_without_a_500(roster, meeting, organiser):
    client = client_for(organiser)
    url = f"/meetings/{meeting.pk}/checkin/"
    for data in (
        {},
        {"code": ""},
        {"code": "garbage"},
        {"attendance_id": "99999999999999999999"},
        {"attendance_id": "²"},
    ):
        response = client.post(url, data)
        assert response.status_code in (409, 422), data
    assert client.post(f"/meetings/{meeting.pk}/checkin/999999/undo/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 403), ("leader", 403), ("colleague", 200)]
)
def test_who_may_open_the_desk(request, roster, meeting, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/meetings/{meeting.pk}/checkin/").status_code == status
    assert client.get(f"/meetings/{meeting.pk}/attendees/codes/").status_code == status


def test_printable_codes_carry_every_expected_attendee(roster, meeting, organiser):
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=timezone.now(), note="病")
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/attendees/codes/").content.decode()
    assert html.count('class="code-card"') == 6
    assert svc.checkin_code(roster["李卫东"]) in html and "王海燕" not in html
