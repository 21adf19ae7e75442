"""core.services: the directory's rules and audit entries, without the API."""

from __future__ import annotations

import pytest

from core.audit import audit_for
from core.exceptions import InvalidInput, PermissionDenied
from core.models import AuditEntry, Person, Unit
from core.services import person_create, person_update, unit_create
from tests.factories import NOW, make_person, make_unit

pytestmark = pytest.mark.django_db


def fields_of(error: InvalidInput) -> list[str]:
    return [e["field"] for e in error.details["errors"]]


# --- units --------------------------------------------------------------------------------


def test_unit_create_saves_and_audits_the_new_values(admin):
    unit = unit_create(actor=admin, name=" 县教育局 ", short_name=" 教育局", order=30, now=NOW)
    assert (unit.name, unit.short_name, unit.order) == ("县教育局", "教育局", 30)
    [entry] = audit_for(unit)
    assert (entry.actor, entry.action, entry.at) == (admin, "create", NOW)
    assert entry.changes == {
        "after": {"name": "县教育局", "short_name": "教育局", "order": 30, "robot_webhook": ""}
    }


@pytest.mark.parametrize("who", ["organiser", "approver", "outsider", "leader", "secretary"])
def test_only_admins_create_units(request, who):
    with pytest.raises(PermissionDenied):
        unit_create(actor=request.getfixturevalue(who), name="县教育局", short_name="", order=1)
    assert not Unit.objects.filter(name="县教育局").exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("name", "why"), [("县财政局", "duplicate"), ("   ", "blank")])
def test_a_bad_unit_name_is_invalid_naming_the_field(admin, name, why):
    make_unit("县财政局")
    with pytest.raises(InvalidInput) as caught:
        unit_create(actor=admin, name=name, short_name="", order=1)
    assert fields_of(caught.value) == ["name"], why
    assert Unit.objects.count() == 1
    assert not AuditEntry.objects.exists()


# --- people -------------------------------------------------------------------------------


def test_person_create_saves_and_audits_the_new_values(admin):
    unit = make_unit("县财政局")
    person = person_create(
        actor=admin, name=" 王局长", unit_id=unit.pk, title="局长 ", rank=200, now=NOW
    )
    assert (person.name, person.title, person.unit, person.rank) == ("王局长", "局长", unit, 200)
    [entry] = audit_for(person)
    assert (entry.actor, entry.action, entry.at) == (admin, "create", NOW)
    assert entry.changes["after"]["unit"] == "县财政局"
    assert entry.changes["after"]["name"] == "王局长"


def test_people_may_share_a_name(admin):
    # Two 张伟 in different units are two people; the directory tells them apart by unit.
    make_person("张伟")
    person_create(actor=admin, name="张伟", unit_id=make_unit().pk)
    assert Person.objects.filter(name="张伟").count() == 2


@pytest.mark.parametrize("who", ["organiser", "colleague", "approver", "outsider", "secretary"])
def test_only_admins_create_people(request, who):
    unit = make_unit()
    with pytest.raises(PermissionDenied):
        person_create(actor=request.getfixturevalue(who), name="王局长", unit_id=unit.pk)
    assert not Person.objects.filter(name="王局长").exists()
    assert not AuditEntry.objects.exists()


def test_an_unknown_unit_is_invalid_naming_unit_id(admin):
    with pytest.raises(InvalidInput) as caught:
        person_create(actor=admin, name="王局长", unit_id=999999)
    assert fields_of(caught.value) == ["unit_id"]
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def test_person_update_audits_only_what_changed(admin):
    old, new = make_unit("县财政局"), make_unit("县人民政府")
    clerk = make_person("赵科长", unit=old, title="科长", rank=300)
    person_update(actor=admin, person=clerk, title=" 副局长", rank=300, unit_id=new.pk, now=NOW)
    clerk.refresh_from_db()
    assert (clerk.title, clerk.unit) == ("副局长", new)
    [entry] = audit_for(clerk)
    assert (entry.actor, entry.action, entry.at) == (admin, "update", NOW)
    assert entry.changes == {"title": ["科长", "副局长"], "unit": ["县财政局", "县人民政府"]}
    assert entry.summary == "修改人员：职务、单位"  # as staff name the fields


@pytest.mark.parametrize("who", ["organiser", "colleague", "approver", "outsider", "secretary"])
def test_only_admins_change_people(request, who):
    clerk = make_person("赵科长", title="科长")
    with pytest.raises(PermissionDenied):
        person_update(actor=request.getfixturevalue(who), person=clerk, title="处长")
    assert clerk.title == "科长"
    assert Person.objects.get(pk=clerk.pk).title == "科长"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_id": 999999, "title": "处长"}, "unit_id"),
        ({"name": "  ", "title": "处长"}, "name"),
        ({"user": None}, "user"),
    ],
)
def test_a_refused_change_touches_nothing(admin, changes, field):
    clerk = make_person("赵科长", title="科长")
    unit = clerk.unit
    with pytest.raises(InvalidInput) as caught:
        person_update(actor=admin, person=clerk, **changes)
    assert fields_of(caught.value) == [field]
    # Neither the row nor the caller's object is half-edited.
    assert (clerk.name, clerk.title, clerk.unit) == ("赵科长", "科长", unit)
    stored = Person.objects.get(pk=clerk.pk)
    assert (stored.name, stored.title, stored.unit) == ("赵科长", "科长", unit)
    assert not AuditEntry.objects.exists()


def test_a_name_of_only_invisible_characters_is_blank(admin):
    from core.exceptions import InvalidInput
    from core.models import Unit
    from core.services import unit_create

    with pytest.raises(InvalidInput):
        unit_create(actor=admin, name="\u200b \ufeff")
    assert not Unit.objects.filter(name__contains="\u200b").exists()
