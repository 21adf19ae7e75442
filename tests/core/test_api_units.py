"""GET/POST /api/v1/units."""

from __future__ import annotations

import pytest

from core.models import AuditEntry, Unit
from tests.api_support import api_client, error_fields, post
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


def test_anyone_signed_in_lists_units_in_protocol_order(outsider):
    make_unit("县财政局", order=20)
    make_unit("县政府办公室", order=10)
    response = api_client(outsider).get("/api/v1/units")
    assert response.status_code == 200
    assert [u["name"] for u in response.json()] == ["县政府办公室", "县财政局"]


def test_admin_creates_a_unit_and_it_is_audited(admin):
    response = post(
        api_client(admin), "/api/v1/units", {"name": "县教育局", "short_name": "教育局"}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "县教育局"
    unit = Unit.objects.get(name="县教育局")
    assert AuditEntry.objects.filter(object_type="core.unit", object_id=str(unit.pk)).exists()


@pytest.mark.parametrize("who", ["organiser", "approver", "outsider", "leader", "secretary"])
def test_only_admins_create_units(request, who):
    user = request.getfixturevalue(who)
    response = post(api_client(user), "/api/v1/units", {"name": "县教育局"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Unit.objects.filter(name="县教育局").exists()


def test_a_duplicate_unit_name_is_422(admin):
    make_unit("县教育局")
    response = post(api_client(admin), "/api/v1/units", {"name": "县教育局"})
    assert response.status_code == 422
    assert error_fields(response) == ["name"]
    assert Unit.objects.filter(name="县教育局").count() == 1


def test_unknown_fields_and_long_names_are_422(admin):
    response = post(api_client(admin), "/api/v1/units", {"name": "局" * 101, "colour": "red"})
    assert response.status_code == 422
    assert set(error_fields(response)) == {"name", "colour"}
    assert Unit.objects.count() == 0
