"""Changes to units and people made in the Django admin land in the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from core.audit import audit_for
from core.models import AuditEntry, Unit
from tests.conftest import client_for
from tests.factories import make_person, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> User:
    return make_user("root", is_superuser=True, is_staff=True)


def test_adding_a_unit_in_the_admin_is_audited(root):
    response = client_for(root).post(
        "/admin/core/unit/add/", {"name": "县教育局", "short_name": "教育局", "order": "30"}
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="县教育局")
    [entry] = audit_for(unit)
    assert (entry.actor, entry.action) == (root, "create")
    assert entry.changes == {
        "after": {"name": "县教育局", "short_name": "教育局", "order": 30, "robot_webhook": ""}
    }


def test_changing_a_person_and_their_secretaries_in_the_admin_is_audited(root):
    gov = make_unit("县人民政府")
    person = make_person("张县长", unit=gov, title="县长", rank=1, is_leader=True)
    secretary = make_user("mishu")
    response = client_for(root).post(
        f"/admin/core/person/{person.pk}/change/",
        {
            "name": "张县长",
            "title": "县长",
            "unit": str(gov.pk),
            "rank": "2",
            "is_leader": "on",
            "active": "on",
            "email": "",
            "phone": "",
            "notify_channel": "email",
            "robot_webhook": "",
            "user": "",
            "secretaries": [str(secretary.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [entry] = audit_for(person)
    assert (entry.actor, entry.action) == (root, "update")
    assert entry.changes == {"rank": [1, 2], "secretaries": [[], ["mishu"]]}


def test_deleting_a_unit_in_the_admin_is_audited(root):
    unit = make_unit("县教育局")
    pk = unit.pk
    response = client_for(root).post(f"/admin/core/unit/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="core.unit", object_id=str(pk))
    assert entry.action == "delete" and entry.changes["before"]["name"] == "县教育局"
