"""PDF endpoints and the agenda/notice API: who gets which document, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from core.timeutil import localtime
from meetings.models import Confidentiality
from tests.api_support import api_client, iso, patch, post
from tests.meetings.attendee_support import cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room, c):
    m = meeting_for(organiser, room)
    full_roster(m, organiser, c)
    return m


@pytest.mark.parametrize("kind", ["agenda", "notice", "signin"])
def test_each_document_is_a_pdf(meeting, organiser, kind):
    response = api_client(organiser).get(f"/api/v1/meetings/{meeting.pk}/documents/{kind}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        "inline" in response["Content-Disposition"]
        and "filename*=" in response["Content-Disposition"]
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("admin", 200), ("approver", 200), ("colleague", 403), ("outsider", 403)],
)
def test_a_confidential_meetings_documents_are_for_those_who_see_it(request, meeting, who, status):
    meeting.confidentiality = Confidentiality.CONFIDENTIAL
    meeting.save()
    client = api_client(request.getfixturevalue(who))
    for kind in ("agenda", "notice", "signin"):
        assert (
            client.get(f"/api/v1/meetings/{meeting.pk}/documents/{kind}.pdf").status_code == status
        )


def test_unknown_meetings_and_documents_are_404(organiser, meeting):
    client = api_client(organiser)
    assert client.get("/api/v1/meetings/999999/documents/agenda.pdf").status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting.pk}/documents/minutes.pdf").status_code == 404
    assert (
        api_client().get(f"/api/v1/meetings/{meeting.pk}/documents/agenda.pdf").status_code == 401
    )


# --- the leaders' week ----------------------------------------------------------------------

WEEK = "/api/v1/schedules/leaders/week.pdf"


def week_of(meeting) -> str:
    year, week, _ = localtime(meeting.start).isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize(
    ("who", "version", "status"),
    [
        ("outsider", "public", 200),
        ("outsider", "", 200),
        ("outsider", "internal", 403),
        ("colleague", "internal", 200),
        ("leader", "internal", 200),
        ("secretary", "internal", 200),
        ("approver", "internal", 200),
        ("admin", "internal", 200),
    ],
)
def test_who_gets_which_version(request, meeting, who, version, status):
    client = api_client(request.getfixturevalue(who))
    response = client.get(WEEK, {"week": week_of(meeting), "version": version})
    assert response.status_code == status, response.content[:200]
    if status == 200:
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "params",
    [
        {"week": "2026-W60"},
        {"week": "2026-W00"},
        {"week": "2021-W53"},  # 2021 has 52 ISO weeks
        {"week": "garbage"},
        {"week": "2026-49"},
        {"week": "9999-W01"},
        {"week": "2026-W1\x00"},
        {"version": "secret"},
        {"paper": "a5"},
    ],
)
def test_bad_weeks_versions_and_papers_are_422(organiser, c, params):
    response = api_client(organiser).get(WEEK, params)
    assert response.status_code == 422, (params, response.content[:200])
    assert response.json()["code"] == "invalid"


def test_the_current_week_is_the_default_and_a3_is_offered(organiser, c):
    client = api_client(organiser)
    assert client.get(WEEK).status_code == 200
    assert client.get(WEEK, {"paper": "a3", "week": "2026-W53"}).status_code == 200


# --- agenda and notice API ---------------------------------------------------------------------


def test_agenda_crud_over_the_api(meeting, organiser, colleague, c):
    client = api_client(organiser)
    base = f"/api/v1/meetings/{meeting.pk}/agenda"
    start = meeting.start
    first = post(
        client,
        base,
        {
            "topic": "听取全县重点项目建设进展情况汇报",
            "starts_at": iso(start),
            "presenter": "县发改局",
            "unit_ids": [c.finance.pk, c.water.pk],
            "wait_from": iso(start - dt.timedelta(minutes=10)),
        },
    )
    assert first.status_code == 201, first.json()
    items = first.json()
    assert items[0]["number"] == "一、" and [u["name"] for u in items[0]["units"]] == [
        "县财政局",
        "县水利局",
    ]
    post(client, base, {"topic": "研究供热价格"})
    items = post(client, base, {"topic": "其他事项"}).json()
    assert [i["number"] for i in items] == ["一、", "二、", "三、"]
    ids = [i["id"] for i in items]
    reordered = client.put(f"{base}/order", {"ids": ids[::-1]}, content_type="application/json")
    assert [i["topic"] for i in reordered.json()] == [
        "其他事项",
        "研究供热价格",
        "听取全县重点项目建设进展情况汇报",
    ]
    changed = patch(client, f"{base}/{ids[0]}", {"wait_from": None, "unit_ids": []})
    assert changed.status_code == 200
    assert changed.json()[-1]["wait_from"] is None and changed.json()[-1]["units"] == []
    assert client.delete(f"{base}/{ids[1]}").status_code == 200
    assert len(client.get(base).json()) == 2
    # who may
    assert post(api_client(colleague), base, {"topic": "x"}).status_code == 403
    assert api_client(colleague).get(base).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"topic": "x", "starts_at": "2000-01-01T09:00"}, "starts_at"),
        ({"topic": "x", "unit_ids": [999999]}, "unit_ids"),
        ({"topic": "x", "starts_at": "garbage"}, "starts_at"),
    ],
)
def test_bad_agenda_items_are_422(meeting, organiser, body, field):
    response = post(api_client(organiser), f"/api/v1/meetings/{meeting.pk}/agenda", body)
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["details"]["errors"]]


def test_waiting_after_the_item_is_refused(meeting, organiser):
    body = {
        "topic": "x",
        "starts_at": iso(meeting.start),
        "wait_from": iso(meeting.start + dt.timedelta(minutes=5)),
    }
    response = post(api_client(organiser), f"/api/v1/meetings/{meeting.pk}/agenda", body)
    assert response.status_code == 422 and "候会时间不能晚于" in response.json()["message"]


def test_the_notice_text_and_deadline_over_the_api(meeting, organiser, colleague):
    client = api_client(organiser)
    url = f"/api/v1/meetings/{meeting.pk}/notice"
    assert client.get(url).json()["issuer"] == ""
    deadline = meeting.start - dt.timedelta(days=1)
    body = {
        "issuer": "县人民政府办公室",
        "doc_number": "某政办发〔2026〕12号",
        "addressees": "各有关单位",
        "requirements": "请准时参会。",
        "contact": "林晓燕",
        "issued_on": "2026-11-25",
        "rsvp_deadline": iso(deadline),
    }
    saved = client.put(url, body, content_type="application/json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["rsvp_deadline"] == iso(deadline)
    meeting.refresh_from_db()
    assert meeting.rsvp_deadline == deadline
    late = client.put(url, {"rsvp_deadline": iso(meeting.end)}, content_type="application/json")
    assert late.status_code == 422 and "不能晚于会议开始" in late.json()["message"]
    assert api_client(colleague).put(url, body, content_type="application/json").status_code == 403
    pdf = client.get(f"/api/v1/meetings/{meeting.pk}/documents/notice.pdf")
    assert pdf.status_code == 200


def test_the_week_pdf_has_the_leaders_and_the_meeting(meeting, organiser, c):
    import io

    import pdfplumber

    response = api_client(organiser).get(WEEK, {"week": week_of(meeting), "version": "internal"})
    with pdfplumber.open(io.BytesIO(response.content)) as doc:
        text = doc.pages[0].extract_text().replace("\n", "")
    assert "张建国" in text and "县政府第49次" in text
