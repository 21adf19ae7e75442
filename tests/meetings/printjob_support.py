"""Scenes for the print-job tests: a meeting of hundreds, seated, and reading files back."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pypdf
from django.contrib.auth.models import User

from core.models import Person
from meetings.models import Attendance, Role
from meetings.seating import services
from tests.api_support import when
from tests.factories import NOW
from tests.meetings.seating_support import Scene, scene


def big_scene(organiser: User, people: int = 500, **kw: Any) -> Scene:
    """A seated meeting of `people` (7 leaders on the rostrum, the rest in the audience)."""
    rows = -(-(people - 7) // 10)
    params = {"rostrum_rows": [7], "audience_rows": rows, "audience_blocks": [3, 4, 3]}
    s = scene(organiser, start=kw.pop("start", when(9)), heads=0, params=params, **kw)
    unit = s.units["财政局"]
    persons = Person.objects.bulk_create(
        Person(name=f"财政{i:03d}号", title="科员", unit=unit, rank=200 + i)
        for i in range(people - 7)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=s.meeting, person=p, role=Role.SIT_IN, order=20 + i)
        for i, p in enumerate(persons)
    )
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def pdf_pages(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}
