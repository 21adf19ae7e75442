"""RSVP (回执): signed links, the three answers, the deadline, the page, staff recording."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from core.audit import audit_for
from core.exceptions import InvalidInput, InvalidTransition, NotFound
from meetings import attendees as svc
from meetings.models import Attendance, Rsvp, Status
from meetings.paperwork import signin_rows
from meetings.roster import rsvp_tally
from tests.conftest import client_for
from tests.meetings.attendee_support import cast, full_roster, meeting_for

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


def link(attendance: Attendance) -> str:
    return f"/r/{svc.rsvp_token(attendance)}/"


def fresh(a: Attendance) -> Attendance:
    return Attendance.objects.select_related("meeting", "person__unit").get(pk=a.pk)


# --- links ---------------------------------------------------------------------------------


def test_a_link_leads_to_its_attendance_and_a_forged_one_nowhere(roster):
    a = roster["李卫东"]
    assert svc.attendance_for_rsvp(svc.rsvp_token(a)).pk == a.pk
    token = svc.rsvp_token(a)
    other = roster["王海燕"]
    forged = f"{other.pk}:{token.split(':', 1)[1]}"  # someone else's pk, this signature
    for bad in (forged, f"{a.pk}", "garbage", f"{a.pk}:", token + "x", "x" * 500):
        with pytest.raises(NotFound):
            svc.attendance_for_rsvp(bad)


def test_rsvp_links_and_checkin_codes_are_signed_with_different_salts(roster):
    a = roster["李卫东"]
    code = svc.checkin_code(a)
    with pytest.raises(NotFound):
        svc.attendance_for_rsvp(code.replace(".", ":"))
    with pytest.raises(InvalidInput):
        svc.attendance_for_code(svc.rsvp_token(a).replace(":", "."))


def test_a_removed_attendee_link_says_so(roster, organiser):
    a = roster["李卫东"]
    token = svc.rsvp_token(a)
    svc.attendee_remove(attendance=a, actor=organiser, now=timezone.now())
    with pytest.raises(NotFound, match="已不在"):
        svc.attendance_for_rsvp(token)


# --- answers -------------------------------------------------------------------------------


def test_the_three_answers_and_the_tally(roster, meeting):
    now = timezone.now()
    svc.rsvp_answer(attendance=roster["李卫东"], answer=Rsvp.ATTENDING, now=now)
    svc.rsvp_answer(
        attendance=roster["林国栋"],
        answer=Rsvp.SUBSTITUTE,
        now=now,
        substitute_name="陈晓峰",
        substitute_title="财政局副局长",
    )
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=now, note="赴省里开会")
    tally = rsvp_tally(meeting.attendances.all())
    assert (tally.attending, tally.substitute, tally.leave, tally.pending) == (1, 1, 1, 4)
    assert {a.display_name for a in tally.unanswered} == {"张建国", "唐建平", "周教授", "会务员"}
    sub = fresh(roster["林国栋"])
    assert sub.display_name == "陈晓峰" and sub.display_title == "财政局副局长"
    assert sub.display_unit == "县财政局" and sub.rsvp_at == now
    entry = audit_for(meeting).filter(action="rsvp").first()
    assert entry.actor is None and "本人链接" in entry.summary


def test_substitute_needs_name_and_title_and_leave_needs_a_reason(roster):
    now = timezone.now()
    a = roster["李卫东"]
    with pytest.raises(InvalidInput, match="代参会人姓名不能为空"):
        svc.rsvp_answer(attendance=a, answer=Rsvp.SUBSTITUTE, now=now, substitute_title="主任")
    with pytest.raises(InvalidInput, match="代参会人职务不能为空"):
        svc.rsvp_answer(attendance=a, answer=Rsvp.SUBSTITUTE, now=now, substitute_name="赵六")
    with pytest.raises(InvalidInput, match="不能是本人"):
        svc.rsvp_answer(
            attendance=a,
            answer=Rsvp.SUBSTITUTE,
            now=now,
            substitute_name="李卫东",
            substitute_title="x",
        )
    with pytest.raises(InvalidInput, match="请假事由不能为空"):
        svc.rsvp_answer(attendance=a, answer=Rsvp.LEAVE, now=now)
    with pytest.raises(InvalidInput):
        svc.rsvp_answer(attendance=a, answer="maybe", now=now)
    assert fresh(a).rsvp == Rsvp.PENDING


def test_changing_the_answer_clears_the_old_details(roster):
    now = timezone.now()
    a = roster["李卫东"]
    svc.rsvp_answer(
        attendance=a,
        answer=Rsvp.SUBSTITUTE,
        now=now,
        substitute_name="赵六",
        substitute_title="主任",
    )
    svc.rsvp_answer(attendance=fresh(a), answer=Rsvp.ATTENDING, now=now)
    a = fresh(a)
    assert a.display_name == "李卫东" and a.substitute_name == "" and a.rsvp_note == ""


def test_after_the_deadline_nothing_is_saved(roster, meeting):
    meeting.rsvp_deadline = timezone.now() - dt.timedelta(minutes=1)
    meeting.save()
    a = fresh(roster["李卫东"])
    with pytest.raises(InvalidTransition, match="回执已于"):
        svc.rsvp_answer(attendance=a, answer=Rsvp.ATTENDING, now=timezone.now())
    assert fresh(a).rsvp == Rsvp.PENDING


def test_without_a_deadline_answers_close_when_the_meeting_starts(roster, meeting):
    a = fresh(roster["李卫东"])
    with pytest.raises(InvalidTransition):
        svc.rsvp_answer(attendance=a, answer=Rsvp.ATTENDING, now=meeting.start)
    svc.rsvp_answer(
        attendance=a, answer=Rsvp.ATTENDING, now=meeting.start - dt.timedelta(seconds=1)
    )


def test_staff_record_answers_phoned_in_even_late(roster, meeting, organiser, colleague):
    meeting.rsvp_deadline = timezone.now() - dt.timedelta(days=1)
    meeting.save()
    a = fresh(roster["王海燕"])
    svc.rsvp_answer(
        attendance=a, answer=Rsvp.LEAVE, now=timezone.now(), actor=organiser, note="出差"
    )
    assert fresh(a).rsvp == Rsvp.LEAVE
    with pytest.raises(Exception, match="承办人"):
        svc.rsvp_answer(attendance=a, answer=Rsvp.ATTENDING, now=timezone.now(), actor=colleague)
    svc.rsvp_answer(attendance=fresh(a), answer=Rsvp.PENDING, now=timezone.now(), actor=organiser)
    assert fresh(a).rsvp == Rsvp.PENDING and fresh(a).rsvp_at is None


def test_a_substitute_signs_in_the_absent_persons_row(roster, meeting):
    svc.rsvp_answer(
        attendance=roster["林国栋"],
        answer=Rsvp.SUBSTITUTE,
        now=timezone.now(),
        substitute_name="陈晓峰",
        substitute_title="财政局副局长",
    )
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=timezone.now(), note="病假")
    rows = {r.name: r for r in signin_rows(meeting)}
    assert "陈晓峰（代林国栋）" in rows and rows["陈晓峰（代林国栋）"].title == "财政局副局长"
    assert rows["王海燕"].remark == "请假"
    assert "会务员" not in rows  # 工作人员 run the desk


# --- the page ------------------------------------------------------------------------------


def test_the_page_needs_no_login_and_shows_the_meeting_and_qr(roster):
    a = roster["李卫东"]
    response = Client().get(link(a))
    html = response.content.decode()
    assert response.status_code == 200
    assert "县政府第49次常务会议" in html and "李卫东" in html and "<svg" in html
    assert svc.checkin_code(a) in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_answering_leave_through_the_page(roster):
    a = roster["李卫东"]
    client = Client(enforce_csrf_checks=True)
    client.get(link(a))
    token = client.cookies["csrftoken"].value
    response = client.post(
        link(a), {"answer": "leave", "note": "赴市里开会", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    assert fresh(a).rsvp == Rsvp.LEAVE and fresh(a).rsvp_note == "赴市里开会"
    html = client.get(response["Location"]).content.decode()
    assert "回执已提交" in html and "赴市里开会" in html


def test_answering_substitute_through_the_page_and_missing_fields(roster):
    a = roster["林国栋"]
    client = Client()
    response = client.post(link(a), {"answer": "substitute", "substitute_name": "陈晓峰"})
    assert response.status_code == 422
    assert "代参会人职务不能为空" in response.content.decode()
    assert fresh(a).rsvp == Rsvp.PENDING
    response = client.post(
        link(a),
        {"answer": "substitute", "substitute_name": "陈晓峰", "substitute_title": "副局长"},
    )
    assert response.status_code == 302 and fresh(a).display_name == "陈晓峰"
    assert client.post(link(a), {"answer": "nonsense"}).status_code == 422


def test_a_forged_or_garbled_link_is_404(roster):
    a = roster["李卫东"]
    token = svc.rsvp_token(a)
    for path in (
        f"/r/{a.pk}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
        "/r/garbage/",
        f"/r/{token}x/",
        "/r/99999999999999999999999:abc/",
    ):
        assert Client().get(path).status_code == 404, path
        assert Client().post(path, {"answer": "attending"}).status_code == 404
    assert fresh(a).rsvp == Rsvp.PENDING


def test_after_the_deadline_the_page_says_so_and_saves_nothing(roster, meeting):
    meeting.rsvp_deadline = timezone.now() - dt.timedelta(hours=1)
    meeting.save()
    a = roster["李卫东"]
    html = Client().get(link(a)).content.decode()
    assert "回执已于" in html and 'id="rsvp-form"' not in html
    response = Client().post(link(a), {"answer": "attending"})
    assert response.status_code == 409 and "回执已于" in response.content.decode()
    assert fresh(a).rsvp == Rsvp.PENDING


def test_a_cancelled_meeting_takes_no_answers(roster, meeting):
    meeting.status = Status.CANCELLED
    meeting.save()
    a = roster["李卫东"]
    assert "会议已取消" in Client().get(link(a)).content.decode()
    assert Client().post(link(a), {"answer": "attending"}).status_code == 409


def test_a_confidential_meetings_link_shows_it_to_its_attendee_only(roster, meeting):
    meeting.confidentiality = "confidential"
    meeting.save()
    # The link is personal: its holder is the attendee, who may see the meeting.
    assert "县政府第49次常务会议" in Client().get(link(roster["李卫东"])).content.decode()


def test_staff_see_the_tally_and_who_has_not_answered(roster, meeting, organiser):
    svc.rsvp_answer(attendance=roster["李卫东"], answer=Rsvp.ATTENDING, now=timezone.now())
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=timezone.now(), note="病")
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/attendees/").content.decode()
    tally = html[html.index('id="tally"') : html.index("</section>", html.index('id="tally"'))]
    assert "<b>1</b> 参加" in tally and "<b>1</b> 请假" in tally and "<b>5</b> 未回复" in tally
    assert "张建国" in tally.split("未回复：")[1] and "李卫东" not in tally.split("未回复：")[1]
    # each attendee's personal link is on the page for the organiser
    assert svc.rsvp_token(roster["李卫东"]) in html


def test_a_new_answer_moves_updated_at(roster, meeting):
    before = meeting.updated_at
    svc.rsvp_answer(attendance=roster["李卫东"], answer=Rsvp.ATTENDING, now=timezone.now())
    meeting.refresh_from_db()
    assert meeting.updated_at > before
