"""`manage.py make_documents`, the demo's paperwork, and a substitute reaching seats and cards."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from meetings import attendees as svc
from meetings.management.commands.seed_demo import seed
from meetings.models import Kind, Meeting, Rsvp, SeatingPlan
from tests.factories import at
from tests.meetings.attendee_support import cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(organiser, room):
    m = meeting_for(organiser, room)
    full_roster(m, organiser, cast())
    return m


def test_it_writes_the_meetings_pdfs_and_says_what_it_skipped(meeting, tmp_path, capsys):
    call_command("make_documents", str(meeting.pk), "--out", str(tmp_path / "docs"))
    out = capsys.readouterr().out
    for name in ("agenda", "notice", "signin"):
        data = (tmp_path / "docs" / f"{name}.pdf").read_bytes()
        assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 1
    assert "没有座次安排" in out and "已生成 3 个文件" in out
    # twice: the same bytes (invariant output)
    first = (tmp_path / "docs" / "agenda.pdf").read_bytes()
    call_command("make_documents", str(meeting.pk), "--out", str(tmp_path / "docs"))
    assert (tmp_path / "docs" / "agenda.pdf").read_bytes() == first


def test_unknown_meetings_and_bad_folders_are_errors(meeting, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("make_documents", "999999", "--out", str(tmp_path))
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(CommandError, match="不是文件夹"):
        call_command("make_documents", str(meeting.pk), "--out", str(file))


def test_with_a_seating_plan_it_asks_the_seating_feature(meeting, tmp_path, capsys):
    pytest.importorskip("meetings.seating.printing")
    SeatingPlan.objects.create(meeting=meeting, kind="rostrum")
    call_command("make_documents", str(meeting.pk), "--out", str(tmp_path))
    out = capsys.readouterr().out
    # Nobody is seated yet: the seating feature says so; the other documents are written.
    assert (tmp_path / "signin.pdf").exists()
    assert "seating.pdf" in out and "namecards.pdf" in out


def test_a_substitute_takes_the_seat_and_the_card(organiser, tmp_path):
    printing = pytest.importorskip("meetings.seating.printing")
    from meetings.seating.selectors import seating_state
    from meetings.seating.services import seating_arrange
    from rooms.models import RoomLayout
    from tests.factories import make_room

    room = make_room("主会场", capacity=60, layout="rostrum")
    RoomLayout.objects.create(
        room=room,
        name="主席台",
        kind="rostrum",
        params={"rostrum_rows": [7], "audience_rows": 3, "audience_blocks": [3, 4, 3]},
        is_default=True,
    )
    m = meeting_for(organiser, room)
    roster = full_roster(m, organiser, cast())
    svc.rsvp_answer(
        attendance=roster["林国栋"],
        answer=Rsvp.SUBSTITUTE,
        now=timezone.now(),
        substitute_name="陈晓峰",
        substitute_title="财政局副局长",
    )
    svc.rsvp_answer(attendance=roster["王海燕"], answer=Rsvp.LEAVE, now=timezone.now(), note="出差")
    seating_arrange(actor=organiser, meeting=m, now=timezone.now())
    state = seating_state(m)
    cards = [card.name for card in printing.cards_for(state)]
    assert "陈晓峰" in cards and "林国栋" not in cards and "王海燕" not in cards
    chart = printing.chart_for(state)
    assert "陈晓峰" in {o.name for o in chart.occupants.values()}
    call_command("make_documents", str(m.pk), "--out", str(tmp_path))
    assert (tmp_path / "seating.pdf").exists() and (tmp_path / "namecards.pdf").exists()


def test_the_demo_executive_meeting_has_agenda_notice_and_answers():
    result = seed(now=at(23, 8, month=11))  # the Monday a week before
    assert result is not None
    executive = Meeting.objects.filter(kind=Kind.EXECUTIVE).order_by("start")
    assert executive.exists()
    for m in executive:
        assert [i.topic for i in m.agenda_items.order_by("order")][-1] == "其他事项"
        first = m.agenda_items.order_by("order").first()
        assert first.units.count() == 3 and first.wait_from < first.starts_at
        second = m.agenda_items.order_by("order")[1]
        assert second.wait_from is not None and second.wait_from < second.starts_at
        assert m.notice.issuer == "县政府办公室"
        answers = dict(m.attendances.values_list("person__name", "rsvp"))
        if m == executive.last():  # next week's: its 回执 deadline is still ahead
            assert m.rsvp_deadline is not None
        assert answers["林国栋"] == Rsvp.SUBSTITUTE and answers["梁文军"] == Rsvp.LEAVE
