"""Reads of a meeting's roster: the list, the RSVP tally, the check-in count, print order.

Each is a query or two whatever the roster's size; the pages, the API and the documents
(sign-in sheet, notice, agenda) all read the roster through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from core.models import Unit
from meetings.models import Attendance, Meeting, Role, Rsvp, SeatAssignment

# Roles in the order a notice or agenda lists them.
ROLE_ORDER = (Role.CHAIR, Role.ATTEND, Role.SIT_IN, Role.GUEST, Role.STAFF)


def roster_queryset(meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendances.select_related("person__unit", "checked_in_by").order_by(
        "order", "person__rank", "pk"
    )


def roster(meeting: Meeting) -> list[Attendance]:
    """The roster in its own order (as staff arranged it)."""
    return list(roster_queryset(meeting))


@dataclass
class Tally:
    """RSVP counts; `unanswered` lists who has not replied yet, in roster order."""

    attending: int = 0
    substitute: int = 0
    leave: int = 0
    pending: int = 0
    unanswered: list[Attendance] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.attending + self.substitute + self.leave + self.pending

    @property
    def coming(self) -> int:
        """People expected in the room: those attending and the substitutes."""
        return self.attending + self.substitute


def rsvp_tally(rows: Iterable[Attendance]) -> Tally:
    tally = Tally()
    for a in rows:
        if a.rsvp == Rsvp.ATTENDING:
            tally.attending += 1
        elif a.rsvp == Rsvp.SUBSTITUTE:
            tally.substitute += 1
        elif a.rsvp == Rsvp.LEAVE:
            tally.leave += 1
        else:
            tally.pending += 1
            tally.unanswered.append(a)
    return tally


@dataclass(frozen=True)
class CheckinCount:
    present: int
    expected: int  # everyone on the roster except those on leave (请假)


def checkin_count(meeting: Meeting) -> CheckinCount:
    """Present / expected, in one aggregate query (the check-in page polls it)."""
    agg = meeting.attendances.aggregate(
        present=Count("pk", filter=Q(checked_in_at__isnull=False)),
        expected=Count("pk", filter=~Q(rsvp=Rsvp.LEAVE)),
        late_leave=Count("pk", filter=Q(rsvp=Rsvp.LEAVE, checked_in_at__isnull=False)),
    )
    # Someone who sent 请假 and came after all is present and so expected too.
    return CheckinCount(agg["present"], agg["expected"] + agg["late_leave"])


def precedence_order(rows: Sequence[Attendance]) -> list[Attendance]:
    """By unit (the units' customary order) then protocol rank: 签到表 order (DESIGN §6).

    A guest's unit is placed by the directory unit of the same name when there is one,
    else after the directory units; ties go by the roster's own order.
    """
    guest_units = {a.guest_unit for a in rows if a.person_id is None and a.guest_unit}
    unit_order = dict(Unit.objects.filter(name__in=guest_units).values_list("name", "order"))
    last = 10**9

    def key(item: tuple[int, Attendance]) -> tuple[int, str, int, int]:
        i, a = item
        if a.person is not None:
            order, unit = a.person.unit.order, a.person.unit.name
            rank = a.rank_override if a.rank_override is not None else a.person.rank
        else:
            unit = a.guest_unit
            order = unit_order.get(unit, last)
            rank = a.rank_override if a.rank_override is not None else last
        return (order, unit, rank, i)

    return [a for _, a in sorted(enumerate(rows), key=key)]


def seats_by_attendance(meeting: Meeting) -> dict[int, str]:
    """Seat of each attendee when the meeting has a seating plan (issue 5), else {}."""
    return dict(
        SeatAssignment.objects.filter(plan__meeting=meeting).values_list("attendance_id", "seat_id")
    )


def names_by_role(rows: Iterable[Attendance]) -> dict[str, list[str]]:
    """Who sits there per role (a substitute in the absent person's place), leave left out."""
    out: dict[str, list[str]] = {}
    for a in rows:
        if a.rsvp == Rsvp.LEAVE:
            continue
        out.setdefault(a.role, []).append(a.display_name)
    return out
