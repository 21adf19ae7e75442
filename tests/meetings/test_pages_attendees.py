"""Pages: 参会人员 (add, role, order, RSVP, import/export), 议程, 会议通知, 领导活动安排, panel."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from core.timeutil import localtime
from meetings import attendees as svc
from meetings.models import AgendaItem, Attendance, Confidentiality, Role, Rsvp
from meetings.roster_xlsx import COLUMNS
from tests.conftest import client_for
from tests.factories import make_meeting, make_room
from tests.meetings.attendee_support import add, cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


def page(meeting) -> str:
    return f"/meetings/{meeting.pk}/attendees/"


def test_the_roster_page_for_the_organiser(meeting, organiser, c):
    roster = full_roster(meeting, organiser, c)
    svc.rsvp_answer(
        attendance=roster["林国栋"],
        answer=Rsvp.SUBSTITUTE,
        now=timezone.now(),
        substitute_name="陈晓峰",
        substitute_title="副局长",
    )
    html = client_for(organiser).get(page(meeting)).content.decode()
    assert "<b>陈晓峰</b>" in html and "代 林国栋" in html and "临时" in html
    assert 'id="add-person"' in html and 'id="import-form"' in html and "回执链接" in html
    assert svc.rsvp_token(roster["张建国"]) in html


def test_a_colleague_sees_the_list_without_controls_or_links(meeting, organiser, colleague, c):
    roster = full_roster(meeting, organiser, c)
    html = client_for(colleague).get(page(meeting)).content.decode()
    assert "张建国" in html and 'id="add-person"' not in html
    assert svc.rsvp_token(roster["张建国"]) not in html
    assert (
        client_for(colleague).post(f"{page(meeting)}add/", {"person": c.deputy.pk}).status_code
        == 403
    )


def test_outsiders_do_not_see_a_confidential_roster(meeting, outsider):
    meeting.confidentiality = Confidentiality.CONFIDENTIAL
    meeting.save()
    assert client_for(outsider).get(page(meeting)).status_code == 403
    assert client_for(outsider).get(f"{page(meeting)}export.xlsx").status_code == 403


def test_adding_people_and_guests_through_the_page(meeting, organiser, c):
    client = client_for(organiser)
    r = client.post(f"{page(meeting)}add/", {"person": c.county_head.pk, "role": "chair"})
    assert r.status_code == 302
    r = client.post(
        f"{page(meeting)}add/",
        {"guest_name": "周教授", "guest_title": "教授", "guest_unit": "省农科院", "role": "guest"},
    )
    assert r.status_code == 302
    assert [a.display_name for a in meeting.attendances.order_by("order")] == ["张建国", "周教授"]
    # the person is no longer offered in the select
    html = client.get(page(meeting)).content.decode()
    select = html[
        html.index('name="person"') : html.index("</select>", html.index('name="person"'))
    ]
    assert "张建国" not in select and "李卫东" in select
    # a duplicate guest: a message, nothing added
    r = client.post(
        f"{page(meeting)}add/", {"guest_name": "周教授", "guest_unit": "省农科院", "role": "guest"}
    )
    assert r.status_code == 302 and meeting.attendances.count() == 2
    assert "已在参会人员中" in client.get(r["Location"]).content.decode()
    assert (
        client.post(f"{page(meeting)}add/", {"guest_name": "", "role": "guest"}).status_code == 422
    )
    assert client.post(f"{page(meeting)}add/", {"person": "999999"}).status_code == 422


def test_a_busy_leader_asks_for_confirmation_and_then_is_added(organiser, room, c):
    other = make_meeting(
        room=make_room("第二会议室"),
        start=meeting_for(organiser, None, place="x").start,
        end=meeting_for(organiser, None, place="y").end,
        organizer=organiser,
        title="另一会议",
    )
    Attendance.objects.create(meeting=other, person=c.county_head)
    meeting = meeting_for(organiser, room)
    client = client_for(organiser)
    r = client.post(f"{page(meeting)}add/", {"person": c.county_head.pk, "role": "chair"})
    html = r.content.decode()
    assert (
        r.status_code == 409 and "张建国在该时段已有其他安排" in html and 'id="confirm-add"' in html
    )
    assert 'name="acknowledge" value="person_busy"' in html
    r = client.post(
        f"{page(meeting)}add/",
        {"person": c.county_head.pk, "role": "chair", "acknowledge": "person_busy"},
    )
    assert r.status_code == 302 and meeting.attendances.filter(person=c.county_head).exists()


def test_role_order_rsvp_and_removal_through_the_page(meeting, organiser, c):
    roster = full_roster(meeting, organiser, c)
    client = client_for(organiser)
    a = roster["唐建平"]
    client.post(f"{page(meeting)}{a.pk}/role/", {"role": "attend"})
    assert Attendance.objects.get(pk=a.pk).role == Role.ATTEND
    client.post(f"{page(meeting)}{a.pk}/move/", {"direction": "up"})
    order = [x.display_name for x in meeting.attendances.order_by("order")]
    assert order.index("唐建平") == 2
    r = client.post(f"{page(meeting)}{a.pk}/rsvp/", {"answer": "leave", "note": "出差"})
    assert r.status_code == 302 and Attendance.objects.get(pk=a.pk).rsvp == Rsvp.LEAVE
    r = client.post(f"{page(meeting)}{a.pk}/rsvp/", {"answer": "substitute"})
    assert "代参会人姓名不能为空" in client.get(r["Location"]).content.decode()
    client.post(f"{page(meeting)}{a.pk}/remove/")
    assert not Attendance.objects.filter(pk=a.pk).exists()
    assert client.post(f"{page(meeting)}{a.pk}/remove/").status_code == 404
    other = meeting_for(organiser, None, place="外出")
    b = roster["张建国"]
    assert client.post(f"/meetings/{other.pk}/attendees/{b.pk}/remove/").status_code == 404


def xlsx(rows) -> bytes:
    wb = Workbook()
    wb.active.append(list(COLUMNS))
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "名单.xlsx") -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def test_import_through_the_page_reports_rows_and_can_skip(meeting, organiser, c):
    client = client_for(organiser)
    data = xlsx(
        [[1, "县人民政府", "张建国", "县长", "主持", ""], [2, "县财政局", "林国栋", "", "老板", ""]]
    )
    r = client.post(f"{page(meeting)}import/", {"file": upload(data)})
    html = r.content.decode()
    assert r.status_code == 422 and "第 3 行：未知的身份“老板”" in html and "未导入任何人员" in html
    assert meeting.attendances.count() == 0
    r = client.post(f"{page(meeting)}import/", {"file": upload(data), "skip_bad": "on"})
    assert r.status_code == 302
    assert "已导入 1 人" in client.get(r["Location"]).content.decode()
    r = client.post(f"{page(meeting)}import/", {"file": upload(b"not a spreadsheet", "a.xls")})
    assert r.status_code == 422 and "不是 Excel 工作簿" in r.content.decode()
    assert client.post(f"{page(meeting)}import/", {}).status_code == 422
    exported = client.get(f"{page(meeting)}export.xlsx")
    assert exported.status_code == 200 and exported.content.startswith(b"PK")


# --- agenda and notice -----------------------------------------------------------------------


def test_the_agenda_editor_adds_edits_moves_and_deletes(meeting, organiser, c):
    client = client_for(organiser)
    url = f"/meetings/{meeting.pk}/agenda/"
    start = localtime(meeting.start)
    html = client.get(url).content.decode()
    assert "列席单位" in html and "候会时间" in html  # a 常务会议
    r = client.post(
        url,
        {
            "topic": "听取全县重点项目建设进展情况汇报",
            "starts_at": f"{start:%H:%M}",
            "presenter": "县发改局",
            "units": [c.finance.pk],
            "wait_from": f"{start - dt.timedelta(minutes=10):%H:%M}",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    client.post(url, {"topic": "研究供热价格"})
    item = AgendaItem.objects.get(topic="研究供热价格")
    assert item.starts_at is None
    html = client.get(url).content.decode()
    assert "县财政局" in html and html.index("听取全县") < html.index("研究供热价格")
    client.post(f"{url}{item.pk}/move/", {"direction": "up"})
    html = client.get(url).content.decode()
    assert html.index("研究供热价格") < html.index("听取全县")
    r = client.post(f"{url}{item.pk}/", {"topic": "研究城区供热价格调整事宜", "starts_at": "03:00"})
    assert r.status_code == 422 and "议题时间须在会议时间" in r.content.decode()
    r = client.post(f"{url}{item.pk}/", {"topic": "研究城区供热价格调整事宜"})
    assert r.status_code == 302 and AgendaItem.objects.get(pk=item.pk).topic.startswith("研究城区")
    assert client.get(f"{url}{item.pk}/").status_code == 200
    client.post(f"{url}{item.pk}/delete/")
    assert meeting.agenda_items.count() == 1
    assert client.post(f"{url}999999/delete/").status_code == 404


def test_the_agenda_page_for_others(meeting, organiser, colleague, outsider):
    AgendaItem.objects.create(meeting=meeting, topic="听取汇报")
    assert (
        "听取汇报" in client_for(colleague).get(f"/meetings/{meeting.pk}/agenda/").content.decode()
    )
    assert (
        client_for(colleague).post(f"/meetings/{meeting.pk}/agenda/", {"topic": "x"}).status_code
        == 403
    )
    meeting.confidentiality = Confidentiality.CONFIDENTIAL
    meeting.save()
    assert client_for(outsider).get(f"/meetings/{meeting.pk}/agenda/").status_code == 403


def test_the_notice_form_saves_text_and_deadline(meeting, organiser, colleague):
    client = client_for(organiser)
    url = f"/meetings/{meeting.pk}/notice/"
    assert client.get(url).status_code == 200
    day_before = localtime(meeting.start).date() - dt.timedelta(days=1)
    r = client.post(
        url,
        {
            "issuer": "县人民政府办公室",
            "addressees": "各有关单位",
            "contact": "林晓燕",
            "rsvp_date": day_before.isoformat(),
            "rsvp_time": "17:00",
        },
    )
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert localtime(meeting.rsvp_deadline).date() == day_before
    assert meeting.notice.issuer == "县人民政府办公室"
    late = (localtime(meeting.start).date() + dt.timedelta(days=1)).isoformat()
    r = client.post(url, {"rsvp_date": late})
    assert r.status_code == 422 and "不能晚于会议开始" in r.content.decode()
    assert client_for(colleague).get(url).status_code == 403


# --- the meeting page's documents panel, the nav --------------------------------------------


def test_the_meeting_page_links_to_every_document(meeting, organiser, c):
    add(meeting, organiser, c.county_head, Role.CHAIR)
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    for href in (
        f"/api/v1/meetings/{meeting.pk}/documents/agenda.pdf",
        f"/api/v1/meetings/{meeting.pk}/documents/notice.pdf",
        f"/api/v1/meetings/{meeting.pk}/documents/signin.pdf",
        f"/meetings/{meeting.pk}/attendees/",
        f"/meetings/{meeting.pk}/agenda/",
        f"/meetings/{meeting.pk}/checkin/",
        "/schedules/leaders/week/",
    ):
        assert href in html, href


# --- the leaders' week page ------------------------------------------------------------------


def test_the_week_page_with_navigation(meeting, organiser, c):
    add(meeting, organiser, c.county_head, Role.CHAIR)
    year, week, _ = localtime(meeting.start).isocalendar()
    code = f"{year}-W{week:02d}"
    html = client_for(organiser).get(f"/schedules/leaders/week/?week={code}").content.decode()
    assert "县政府第49次常务会议" in html and "张建国" in html and "内部版" in html
    monday = dt.date.fromisocalendar(year, week, 1)
    prev_code = "{}-W{:02d}".format(*(monday - dt.timedelta(days=7)).isocalendar()[:2])
    next_code = "{}-W{:02d}".format(*(monday + dt.timedelta(days=7)).isocalendar()[:2])
    assert f"?week={prev_code}&amp;version=internal" in html
    assert f"?week={next_code}&amp;version=internal" in html
    assert html.index("张建国") < html.index("李卫东") < html.index("王海燕")


def test_the_week_page_public_version_hides_confidential(meeting, organiser, outsider, c):
    add(meeting, organiser, c.county_head, Role.CHAIR)
    meeting.confidentiality = Confidentiality.CONFIDENTIAL
    meeting.save()
    year, week, _ = localtime(meeting.start).isocalendar()
    url = f"/schedules/leaders/week/?week={year}-W{week:02d}"
    html = client_for(outsider).get(url).content.decode()
    assert "公开版" in html and "县政府第49次常务会议" not in html and "内部会议" not in html
    assert client_for(outsider).get(url + "&version=internal").status_code == 403
    assert "县政府第49次常务会议" in client_for(organiser).get(url).content.decode()


@pytest.mark.parametrize("week", ["2026-W60", "garbage", "2026-W0", "0000-W01"])
def test_a_week_that_does_not_exist_is_a_422_page(organiser, week):
    response = client_for(organiser).get(f"/schedules/leaders/week/?week={week}")
    assert response.status_code == 422
    assert "查看本周" in response.content.decode()


def test_a_bad_version_is_a_422_page_not_a_500(organiser):
    response = client_for(organiser).get("/schedules/leaders/week/?version=x")
    assert response.status_code in (403, 422)
