"""Approving a whole series at once: approvers need not decide fifty occurrences one by one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import InvalidTransition, PermissionDenied
from meetings.models import Meeting, MeetingSeries, Notification, Status
from meetings.series import series_approve
from tests.api_support import api_client, post
from tests.conftest import client_for
from tests.factories import make_person
from tests.meetings.test_series_api import body, monday_ahead

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(organiser, approval_room):
    chief = make_person("张局长", email="zhang@czj.example.gov.cn")
    data = body(approval_room, monday_ahead(), attendees=[{"person_id": chief.pk}])
    created = post(api_client(organiser), "/api/v1/series", data)
    assert created.status_code == 201, created.json()
    series = MeetingSeries.objects.get(pk=created.json()["id"])
    assert set(statuses(series)) == {Status.PENDING}
    Notification.objects.all().delete()  # the approvers' notice of the request
    return series


def statuses(series) -> list[str]:
    return list(
        Meeting.objects.filter(series=series).order_by("start").values_list("status", flat=True)
    )


def test_one_decision_approves_every_waiting_occurrence(series, approver, organiser):
    result = series_approve(series=series, actor=approver, now=timezone.now(), note="同意")
    assert len(result.approved) == 4 and not result.expired
    assert statuses(series) == [Status.APPROVED] * 4
    # One notice to the organiser, one invitation (a calendar of all four) to the chief.
    notices = Notification.objects.filter(recipient=organiser, kind="approved")
    assert notices.count() == 1 and "共 4 次" in notices.get().subject
    assert Notification.objects.filter(person__name="张局长").count() == 1


def test_an_overdue_occurrence_is_released_not_approved(series, approver):
    first = Meeting.objects.filter(series=series).order_by("start").first()
    Meeting.objects.filter(pk=first.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    result = series_approve(series=series, actor=approver, now=timezone.now())
    assert [m.pk for m in result.expired] == [first.pk] and len(result.approved) == 3
    assert statuses(series) == [Status.CANCELLED] + [Status.APPROVED] * 3


def test_only_approvers_and_only_when_something_waits(series, organiser, approver):
    with pytest.raises(PermissionDenied):
        series_approve(series=series, actor=organiser, now=timezone.now())
    assert set(statuses(series)) == {Status.PENDING}
    series_approve(series=series, actor=approver, now=timezone.now())
    with pytest.raises(InvalidTransition, match="没有待审批"):
        series_approve(series=series, actor=approver, now=timezone.now())


def test_over_the_api(series, organiser, approver):
    url = f"/api/v1/series/{series.pk}/approve"
    assert post(api_client(organiser), url, {}).status_code == 403
    response = post(api_client(approver), url, {"note": "同意"})
    assert response.status_code == 200, response.json()
    assert {o["status"] for o in response.json()["occurrences"]} == {"approved"}
    assert post(api_client(approver), url, {}).status_code == 409
    assert post(api_client(approver), "/api/v1/series/999999/approve", {}).status_code == 404


def test_from_the_approvals_page(series, approver, organiser):
    client = client_for(approver)
    html = client.get("/approvals/").content.decode()
    assert html.count("批准整个系列（4 次）") == 4
    assert client.get(f"/series/{series.pk}/").content.decode().count('id="series-approve"') == 1
    response = client.post(f"/series/{series.pk}/approve/", {"next": "/approvals/"})
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    page = client.get("/approvals/").content.decode()
    assert "已批准系列中的 4 次会议" in page and "批准整个系列" not in page
    assert statuses(series) == [Status.APPROVED] * 4
    # Staff see no such button and may not post it.
    assert (
        'id="series-approve"'
        not in client_for(organiser).get(f"/series/{series.pk}/").content.decode()
    )
    assert client_for(organiser).post(f"/series/{series.pk}/approve/").status_code == 403


def test_the_series_page_keeps_the_navigation_badge_of_every_waiting_request(
    series, approver, organiser, approval_room
):
    # One more request outside the series: the badge counts all five, the button four.
    other = body(approval_room, monday_ahead() + dt.timedelta(days=1))
    for key in ("rrule", "skip_holidays"):
        other.pop(key)
    created = post(api_client(organiser), "/api/v1/meetings", other)
    assert created.status_code == 201, created.json()
    page = client_for(approver).get(f"/series/{series.pk}/").content.decode()
    assert '待审批 <span class="count">5</span>' in page
    assert "批准整个系列（4 次）" in page
