"""`manage.py make_documents MEETING_ID --out DIR`: every PDF of a meeting, written to DIR.

agenda.pdf, notice.pdf and signin.pdf always; seating.pdf and namecards.pdf when the
seating feature is installed (meetings.seating.printing) and the meeting has a seating
plan — otherwise a note says why they were skipped. Safe to run twice: the files are
written again (identical input gives identical bytes).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.exceptions import DomainError
from core.timeutil import localtime
from meetings.models import Meeting, SeatingPlan
from meetings.paperwork import meeting_pdf

OWN = ("agenda", "notice", "signin")


def _seating_documents(meeting: Meeting) -> tuple[dict[str, Callable[[], bytes]], list[str]]:
    """The seating feature's PDFs, if it is there and applies; notes for what is not."""
    if not SeatingPlan.objects.filter(meeting=meeting).exists():
        return {}, ["seating.pdf、namecards.pdf：本会议没有座次安排，跳过"]
    try:
        # Imported only here: the command must work without the seating feature.
        printing: Any = importlib.import_module("meetings.seating.printing")
        selectors: Any = importlib.import_module("meetings.seating.selectors")
        namecards: Any = importlib.import_module("meetings.documents.namecards")
    except ImportError as exc:
        return {}, [f"seating.pdf、namecards.pdf：座次功能不可用（{exc}），跳过"]
    try:
        state = selectors.seating_state(meeting)
    except DomainError as exc:
        return {}, [f"seating.pdf、namecards.pdf：{exc.message}"]
    return {
        "seating": lambda: printing.render_chart(state),
        "namecards": lambda: printing.render_cards(state, namecards.NameCardOptions()),
    }, []


def make_documents(meeting: Meeting, out: Path, *, today: dt.date) -> tuple[list[Path], list[str]]:
    """Write the PDFs; return the files written and the notes on what was skipped."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    notes: list[str] = []
    jobs: dict[str, Callable[[], bytes]] = {
        kind: functools.partial(meeting_pdf, kind, meeting, today=today) for kind in OWN
    }
    extra, extra_notes = _seating_documents(meeting)
    jobs.update(extra)
    notes += extra_notes
    for name, job in jobs.items():
        try:
            data = job()
        except DomainError as exc:
            # One document that cannot be made (nobody seated yet, a missing glyph) does
            # not stop the others: the note says what to fix.
            notes.append(f"{name}.pdf：{exc.message}")
            continue
        path = out / f"{name}.pdf"
        path.write_bytes(data)
        written.append(path)
    return written, notes


class Command(BaseCommand):
    help = (
        "Write every PDF of a meeting (agenda, notice, sign-in sheet; seating chart and "
        "name cards when it has a seating plan) into a folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("meeting_id", type=int)
        parser.add_argument("--out", required=True, help="folder to write the PDFs into")

    def handle(self, *args: Any, **options: Any) -> None:
        meeting = (
            Meeting.objects.select_related("room", "vc_link")
            .filter(pk=options["meeting_id"])
            .first()
        )
        if meeting is None:
            raise CommandError(f"会议 {options['meeting_id']} 不存在")
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} 不是文件夹")
        written, notes = make_documents(meeting, out, today=localtime(timezone.now()).date())
        for path in written:
            self.stdout.write(f"{path}  {path.stat().st_size // 1024} KB")
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
        if not written:
            raise CommandError("没有生成任何文件")
        self.stdout.write(self.style.SUCCESS(f"已生成 {len(written)} 个文件：{meeting.title}"))
