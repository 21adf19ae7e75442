"""Every page needs a login, every POST a CSRF token, and titles are escaped everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import Meeting, Status
from tests.conftest import client_for
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def test_the_root_redirects_to_the_board(organiser):
    response = client_for(organiser).get("/")
    assert response.status_code == 302 and response["Location"] == "/board/"


@pytest.mark.parametrize(
    "url",
    [
        "/board/",
        "/board/?view=week",
        "/meetings/new/",
        "/meetings/1/",
        "/meetings/1/edit/",
        "/approvals/",
    ],
)
def test_pages_require_login(url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    "url",
    [
        "/meetings/new/",
        "/meetings/new/check/",
        "/meetings/1/cancel/",
        "/meetings/1/approve/",
        "/meetings/1/reject/",
    ],
)
def test_posts_require_login(url):
    response = Client().post(url, {})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_posts_require_a_csrf_token(organiser, approver, room, approval_room):
    day = workday_ahead()
    meeting = make_meeting(
        room=approval_room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        status=Status.PENDING,
    )
    data = {
        "title": "x",
        "kind": "topic",
        "room": room.pk,
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "10:00",
        "confidentiality": "normal",
    }
    for user, url in [
        (organiser, "/meetings/new/"),
        (organiser, "/meetings/new/check/"),
        (organiser, f"/meetings/{meeting.pk}/cancel/"),
        (approver, f"/meetings/{meeting.pk}/approve/"),
        (approver, f"/meetings/{meeting.pk}/reject/"),
    ]:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post(url, data).status_code == 403, url
    meeting.refresh_from_db()
    assert meeting.status == Status.PENDING
    assert Meeting.objects.count() == 1


def test_titles_with_markup_are_escaped_everywhere(organiser, approver, room, approval_room):
    day = workday_ahead()
    shown = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title=XSS,
        description=XSS,
    )
    pending = make_meeting(
        room=approval_room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title=XSS,
        status=Status.PENDING,
    )
    client = client_for(approver)
    pages = [
        f"/board/?date={day}",
        f"/board/?date={day}&view=week",
        f"/meetings/{shown.pk}/",
        f"/meetings/{pending.pk}/",
        "/approvals/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert ESCAPED in html, url
    edit = client_for(organiser).get(f"/meetings/{shown.pk}/edit/").content.decode()
    assert XSS not in edit and ESCAPED in edit
    check = (
        client_for(organiser)
        .post(
            "/meetings/new/check/",
            {
                "title": XSS,
                "room": room.pk,
                "date": day.isoformat(),
                "start_time": "09:00",
                "end_time": "10:00",
            },
        )
        .content.decode()
    )
    assert XSS not in check and ESCAPED in check
    with_error = (
        client_for(organiser)
        .post(
            "/meetings/new/",
            {
                "title": XSS,
                "kind": "topic",
                "room": room.pk,
                "date": day.isoformat(),
                "start_time": "09:00",
                "end_time": "10:00",
                "confidentiality": "normal",
            },
        )
        .content.decode()
    )
    assert XSS not in with_error


def test_pages_load_nothing_from_outside(organiser, room):
    html = client_for(organiser).get("/meetings/new/").content.decode()
    assert "http://" not in html and "https://" not in html
    assert "/static/django_htmx/htmx-2.min.js" in html
