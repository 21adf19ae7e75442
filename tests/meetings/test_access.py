"""Who sees the details of a confidential meeting."""

from __future__ import annotations

import pytest

from core.exceptions import NotFound, PermissionDenied
from meetings.access import access_meeting, can_see_details, display_title, with_visibility
from meetings.models import Confidentiality, Meeting
from tests.factories import at, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(organiser, room, leader):
    return make_meeting(
        room=room,
        start=at(1, 9),
        end=at(1, 10),
        organizer=organiser,
        title="干部人事研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[leader.person],
    )


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("organiser", True),
        ("admin", True),
        ("approver", True),
        ("leader", True),  # attends it
        ("secretary", True),  # the attending leader's secretary
        ("colleague", False),
        ("outsider", False),
    ],
)
def test_confidential_details_are_for_those_involved(request, secret, who, sees):
    user = request.getfixturevalue(who)
    assert can_see_details(user, Meeting.objects.get(pk=secret.pk)) is sees
    annotated = with_visibility(Meeting.objects.filter(pk=secret.pk), user).get()
    assert can_see_details(user, annotated) is sees
    assert display_title(user, annotated) == ("干部人事研究" if sees else "内部会议")


def test_access_meeting_for_edit(secret, organiser, colleague):
    assert access_meeting(organiser, secret.pk, edit=True) == secret
    with pytest.raises(PermissionDenied):
        access_meeting(colleague, secret.pk, edit=True)
    # A colleague may still see that the room is taken (masked), so reading is allowed.
    assert access_meeting(colleague, secret.pk).pk == secret.pk
    with pytest.raises(NotFound):
        access_meeting(colleague, 999_999)


def test_visibility_costs_one_query_for_many_meetings_after_the_role_lookup(
    organiser, colleague, room, django_assert_num_queries
):
    for day in range(1, 21):
        make_meeting(
            room=room,
            start=at(day, 9),
            end=at(day, 10),
            organizer=organiser,
            confidentiality="confidential",
        )
    with django_assert_num_queries(2):  # the user's roles, then the list
        titles = [
            display_title(colleague, m) for m in with_visibility(Meeting.objects.all(), colleague)
        ]
    assert set(titles) == {"内部会议"}
