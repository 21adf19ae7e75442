"""Access helpers: the only way to fetch a meeting for a user, and who sees what.

Everyone signed in sees that a room is taken (time and room); the details of a
confidential meeting (title, description, roster, organiser) are shown only to admins,
approvers, its organiser, its attendees and their secretaries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from core import roles
from core.exceptions import NotFound, PermissionDenied
from meetings.models import Attendance, Confidentiality, Meeting

MASKED_TITLE = "内部会议"


def _bool(q: Any) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def with_visibility(qs: QuerySet[Meeting], user: Any) -> QuerySet[Meeting]:
    """Annotate `details_visible` so a list of any length costs no extra queries."""
    if roles.sees_all_confidential(user):
        return qs.annotate(details_visible=Value(True))
    if not getattr(user, "is_authenticated", False):
        return qs.annotate(details_visible=_bool(Q(confidentiality=Confidentiality.NORMAL)))
    attends = Attendance.objects.filter(meeting=OuterRef("pk")).filter(
        Q(person__user=user) | Q(person__secretaries=user)
    )
    return qs.annotate(
        details_visible=_bool(
            Q(confidentiality=Confidentiality.NORMAL) | Q(organizer=user) | Exists(attends)
        )
    )


def can_see_details(user: Any, meeting: Meeting) -> bool:
    annotated = getattr(meeting, "details_visible", None)
    if annotated is not None:
        return bool(annotated)
    if not meeting.is_confidential or roles.sees_all_confidential(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if meeting.organizer_id == user.pk:
        return True
    return meeting.attendances.filter(Q(person__user=user) | Q(person__secretaries=user)).exists()


def display_title(user: Any, meeting: Meeting) -> str:
    return meeting.title if can_see_details(user, meeting) else MASKED_TITLE


def can_edit(user: Any, meeting: Meeting) -> bool:
    if roles.is_admin(user):
        return True
    return bool(meeting.organizer_id == getattr(user, "pk", None) and roles.can_book(user))


def access_meeting(user: Any, meeting_id: int, *, edit: bool = False) -> Meeting:
    """The meeting if `user` may see it (masked or not) or, with edit=True, change it."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    qs = with_visibility(Meeting.objects.select_related("room", "organizer"), user)
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("会议不存在", details={"id": meeting_id})
    if edit and not can_edit(user, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以修改此会议")
    return meeting
