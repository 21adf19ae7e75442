"""The roster over the API: who may do what, the shapes, import, RSVP and check-in."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from meetings import attendees as svc
from meetings.models import Attendance, Confidentiality, Rsvp
from meetings.roster_xlsx import COLUMNS
from tests.api_support import api_client, patch, post
from tests.meetings.attendee_support import cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


def url(meeting, rest: str = "") -> str:
    return f"/api/v1/meetings/{meeting.pk}/attendees{rest}"


def test_organiser_adds_a_person_and_a_guest(meeting, organiser, c):
    client = api_client(organiser)
    response = post(client, url(meeting), {"person_id": c.deputy.pk, "role": "attend"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "李卫东" and body["unit"] == "县人民政府" and not body["guest"]
    assert body["rsvp_url"].endswith(f"/r/{svc.rsvp_token(Attendance.objects.get(pk=body['id']))}/")
    assert body["checkin_code"].startswith(f"{body['id']}.")
    guest = post(
        client,
        url(meeting),
        {"guest_name": "周教授", "guest_title": "教授", "guest_unit": "省农科院", "role": "guest"},
    )
    assert guest.status_code == 201 and guest.json()["person_id"] is None
    listing = client.get(url(meeting)).json()
    assert [a["name"] for a in listing["items"]] == ["李卫东", "周教授"]
    assert listing["tally"]["pending"] == 2 and listing["checkin"] == {"present": 0, "expected": 2}
    # the meeting JSON carries guests too (person_id null)
    out = client.get(f"/api/v1/meetings/{meeting.pk}").json()
    assert out["attendees"][1] == {
        "person_id": None,
        "name": "周教授",
        "title": "教授",
        "unit": "省农科院",
        "role": "guest",
        "role_label": "嘉宾",
    }


def test_a_guests_phone_is_kept_and_shown_to_the_organiser_only(meeting, organiser, colleague):
    body = {"guest_name": "周教授", "guest_unit": "省农科院", "guest_phone": "138 0000 1234"}
    created = post(api_client(organiser), url(meeting), body)
    assert created.status_code == 201 and created.json()["phone"] == "138 0000 1234"
    changed = patch(
        api_client(organiser),
        f"{url(meeting)}/{created.json()['id']}",
        {"guest_phone": "0571-88881234"},
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "0571-88881234"
    others = api_client(colleague).get(url(meeting))
    assert others.status_code == 200  # colleagues may read the roster, without phones
    assert {a["phone"] for a in others.json()["items"]} == {""}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person_id": 999999}, "person_id"),
        ({"role": "attend"}, "guest_name"),
        ({"person_id": 1, "guest_name": "x"}, "guest_name"),
        ({"guest_name": "x", "role": "boss"}, "role"),
        ({"guest_name": "x" * 51}, "guest_name"),
        ({"guest_name": "x", "extra": 1}, "extra"),
        ({"guest_name": "a\x00b"}, "guest_name"),
        ({"guest_name": "x", "guest_phone": "call me"}, "guest_phone"),
        ({"guest_name": "x", "guest_phone": "1" * 31}, "guest_phone"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(meeting, organiser, c, body, field):
    response = post(api_client(organiser), url(meeting), body)
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["details"]["errors"]]


def test_a_duplicate_is_422_and_a_busy_person_409(meeting, organiser, c):
    client = api_client(organiser)
    post(client, url(meeting), {"person_id": c.deputy.pk})
    assert post(client, url(meeting), {"person_id": c.deputy.pk}).status_code == 422


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("organiser", 200, 201),
        ("admin", 200, 201),
        ("approver", 200, 403),
        ("colleague", 200, 403),
        ("outsider", 200, 403),
        ("leader", 200, 403),
    ],
)
def test_who_may_read_and_change_the_roster(request, meeting, c, who, read, write):
    client = api_client(request.getfixturevalue(who))
    listing = client.get(url(meeting))
    assert listing.status_code == read
    links = [a["rsvp_url"] for a in listing.json()["items"]]
    assert links == []  # no one yet
    assert post(client, url(meeting), {"person_id": c.deputy.pk}).status_code == write


def test_links_are_for_editors_only(meeting, organiser, colleague, c):
    full_roster(meeting, organiser, c)
    items = api_client(colleague).get(url(meeting)).json()["items"]
    assert all(a["rsvp_url"] is None and a["checkin_code"] is None for a in items)
    items = api_client(organiser).get(url(meeting)).json()["items"]
    assert all(a["rsvp_url"] and a["checkin_code"] for a in items)


def test_a_confidential_roster_is_hidden_from_outsiders(meeting, organiser, outsider, c):
    meeting.confidentiality = Confidentiality.CONFIDENTIAL
    meeting.save()
    assert api_client(outsider).get(url(meeting)).status_code == 403
    assert api_client(outsider).get(url(meeting, ".xlsx")).status_code == 403
    assert api_client().get(url(meeting)).status_code == 401


def test_patch_reorder_delete(meeting, organiser, c):
    client = api_client(organiser)
    roster = full_roster(meeting, organiser, c)
    a, g = roster["李卫东"], roster["周教授"]
    r = patch(client, url(meeting, f"/{a.pk}"), {"role": "chair", "rank_override": 3})
    assert r.status_code == 200 and r.json()["role"] == "chair" and r.json()["rank_override"] == 3
    r = patch(client, url(meeting, f"/{g.pk}"), {"guest_title": "研究员"})
    assert r.json()["title"] == "研究员" and r.json()["name"] == "周教授"
    assert patch(client, url(meeting, f"/{a.pk}"), {"guest_name": "x"}).status_code == 422
    ids = [x.pk for x in reversed(list(meeting.attendances.order_by("order")))]
    r = client.put(url(meeting, "/order"), {"ids": ids}, content_type="application/json")
    assert r.status_code == 200 and [x["id"] for x in r.json()["items"]] == ids
    bad = client.put(url(meeting, "/order"), {"ids": ids[:-1]}, content_type="application/json")
    assert bad.status_code == 422
    assert client.delete(url(meeting, f"/{g.pk}")).status_code == 204
    assert client.delete(url(meeting, f"/{g.pk}")).status_code == 404
    other = meeting_for(organiser, None, place="外出")
    assert client.delete(f"/api/v1/meetings/{other.pk}/attendees/{a.pk}").status_code == 404


def _xlsx(rows) -> bytes:
    wb = Workbook()
    wb.active.append(list(COLUMNS))
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_and_export_over_the_api(meeting, organiser, c):
    client = api_client(organiser)
    data = _xlsx(
        [[1, "县人民政府", "张建国", "县长", "主持", ""], [2, "县财政局", "", "", "列席", ""]]
    )
    bad = client.post(url(meeting, "/import"), {"file": io.BytesIO(data)}, format="multipart")
    assert bad.status_code == 422
    assert bad.json()["details"]["rows"] == [{"row": 3, "message": "姓名为空"}]
    assert meeting.attendances.count() == 0
    ok = client.post(url(meeting, "/import"), {"file": io.BytesIO(data), "skip_bad": "true"})
    assert ok.status_code == 200, ok.json()
    assert ok.json() == {
        "added": 1,
        "people": 1,
        "guests": 0,
        "skipped": [{"row": 3, "message": "姓名为空"}],
    }
    exported = client.get(url(meeting, ".xlsx"))
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert [c.value for c in sheet[2]][:3] == [1, "县人民政府", "张建国"]
    not_xlsx = client.post(url(meeting, "/import"), {"file": io.BytesIO(b"hello")})
    assert not_xlsx.status_code == 422 and "不是 Excel" in not_xlsx.json()["message"]
    missing = client.post(url(meeting, "/import"), {})
    assert missing.status_code == 422
    huge = client.post(url(meeting, "/import"), {"file": io.BytesIO(b"PK" + b"0" * 2_200_000)})
    assert huge.status_code in (413, 422) and "过大" in huge.json()["message"]
    assert meeting.attendances.count() == 1


def test_staff_record_an_rsvp_over_the_api(meeting, organiser, colleague, c):
    roster = full_roster(meeting, organiser, c)
    a = roster["林国栋"]
    body = {"answer": "substitute", "substitute_name": "陈晓峰", "substitute_title": "副局长"}
    r = api_client(organiser).put(
        url(meeting, f"/{a.pk}/rsvp"), body, content_type="application/json"
    )
    assert (
        r.status_code == 200 and r.json()["name"] == "陈晓峰" and r.json()["own_name"] == "林国栋"
    )
    r = api_client(colleague).put(
        url(meeting, f"/{a.pk}/rsvp"), body, content_type="application/json"
    )
    assert r.status_code == 403
    r = api_client(organiser).put(
        url(meeting, f"/{a.pk}/rsvp"), {"answer": "leave"}, content_type="application/json"
    )
    assert r.status_code == 422 and Attendance.objects.get(pk=a.pk).rsvp == Rsvp.SUBSTITUTE


def test_checkin_over_the_api(meeting, organiser, c):
    roster = full_roster(meeting, organiser, c)
    client = api_client(organiser)
    a = roster["张建国"]
    checkin = f"/api/v1/meetings/{meeting.pk}/checkin"
    r = post(client, checkin, {"code": svc.checkin_code(a)})
    assert r.status_code == 200 and not r.json()["already"]
    assert r.json()["checkin"] == {"present": 1, "expected": 7}
    assert post(client, checkin, {"code": svc.checkin_code(a)}).json()["already"]
    assert (
        post(client, checkin, {"attendance_id": roster["李卫东"].pk}).json()["checkin"]["present"]
        == 2
    )
    assert client.get(checkin).json() == {"present": 2, "expected": 7}
    assert post(client, checkin, {}).status_code == 422
    assert post(client, checkin, {"code": "x", "attendance_id": a.pk}).status_code == 422
    other = meeting_for(organiser, None, place="外出")
    wrong = post(client, f"/api/v1/meetings/{other.pk}/checkin", {"code": svc.checkin_code(a)})
    assert wrong.status_code == 422 and "另一个会议" in wrong.json()["message"]
    assert client.delete(f"{checkin}/{a.pk}").json() == {"present": 1, "expected": 7}


def test_the_rsvp_page_is_outside_the_api_and_needs_no_token(meeting, organiser, c):
    roster = full_roster(meeting, organiser, c)
    assert Client().get(f"/r/{svc.rsvp_token(roster['李卫东'])}/").status_code == 200
