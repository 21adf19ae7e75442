"""GET/POST/PATCH /api/v1/people: the directory in protocol order."""

from __future__ import annotations

import pytest

from core.models import AuditEntry, Person
from tests.api_support import api_client, error_fields, patch, post
from tests.factories import make_person, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db):
    gov = make_unit("县人民政府", order=1)
    fin = make_unit("县财政局", order=20)
    return {
        "gov": gov,
        "fin": fin,
        "deputy": make_person("李副县长", unit=gov, rank=2, is_leader=True, title="副县长"),
        "head": make_person(
            "张县长", unit=gov, rank=1, is_leader=True, title="县长", phone="13800000000"
        ),
        "clerk": make_person("赵科长", unit=fin, rank=300, title="科长"),
    }


def names(response):
    return [p["name"] for p in response.json()]


def test_people_are_listed_by_rank(outsider, directory):
    response = api_client(outsider).get("/api/v1/people")
    assert response.status_code == 200
    assert names(response) == ["张县长", "李副县长", "赵科长"]


def test_people_filter_by_unit_leaders_and_text(outsider, directory):
    client = api_client(outsider)
    assert names(client.get(f"/api/v1/people?unit_id={directory['fin'].pk}")) == ["赵科长"]
    assert names(client.get("/api/v1/people?leaders=true")) == ["张县长", "李副县长"]
    assert names(client.get("/api/v1/people?q=副县")) == ["李副县长"]
    assert names(client.get("/api/v1/people?q=财政")) == ["赵科长"]


def test_inactive_people_are_left_out(outsider, directory):
    Person.objects.filter(pk=directory["clerk"].pk).update(active=False)
    assert "赵科长" not in names(api_client(outsider).get("/api/v1/people"))


def test_contact_details_are_for_meeting_staff(organiser, outsider, directory):
    url = f"/api/v1/people/{directory['head'].pk}"
    assert api_client(organiser).get(url).json()["phone"] == "13800000000"
    assert api_client(outsider).get(url).json()["phone"] is None


def test_one_person_and_an_unknown_id(outsider, directory):
    client = api_client(outsider)
    body = client.get(f"/api/v1/people/{directory['deputy'].pk}").json()
    assert body["unit"]["name"] == "县人民政府" and body["is_leader"] is True
    missing = client.get("/api/v1/people/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_a_bad_filter_is_422(outsider):
    response = api_client(outsider).get("/api/v1/people?unit_id=abc")
    assert response.status_code == 422
    assert error_fields(response) == ["unit_id"]


def test_admin_adds_a_person(admin, directory):
    response = post(
        api_client(admin),
        "/api/v1/people",
        {"name": "王局长", "title": "局长", "unit_id": directory["fin"].pk, "rank": 200},
    )
    assert response.status_code == 201, response.json()
    person = Person.objects.get(name="王局长")
    assert person.unit == directory["fin"]
    assert AuditEntry.objects.filter(object_type="core.person", object_id=str(person.pk)).exists()


@pytest.mark.parametrize("who", ["organiser", "colleague", "approver", "outsider", "secretary"])
def test_only_admins_add_or_change_people(request, who, directory):
    client = api_client(request.getfixturevalue(who))
    created = post(client, "/api/v1/people", {"name": "王局长", "unit_id": directory["fin"].pk})
    changed = patch(client, f"/api/v1/people/{directory['clerk'].pk}", {"title": "处长"})
    assert created.status_code == 403 and changed.status_code == 403
    assert not Person.objects.filter(name="王局长").exists()
    assert Person.objects.get(pk=directory["clerk"].pk).title == "科长"


def test_an_unknown_unit_is_422_naming_the_field(admin):
    response = post(api_client(admin), "/api/v1/people", {"name": "王局长", "unit_id": 999999})
    assert response.status_code == 422
    assert error_fields(response) == ["unit_id"]
    assert Person.objects.count() == 0


def test_bad_person_fields_are_422(admin, directory):
    response = post(
        api_client(admin),
        "/api/v1/people",
        {"name": "", "unit_id": "1", "rank": -1, "email": "not-an-email", "age": 40},
    )
    assert response.status_code == 422
    assert set(error_fields(response)) == {"name", "unit_id", "rank", "email", "age"}
    assert Person.objects.count() == 3


def test_admin_changes_a_person(admin, directory):
    url = f"/api/v1/people/{directory['clerk'].pk}"
    response = patch(
        api_client(admin), url, {"title": "副局长", "rank": 100, "unit_id": directory["gov"].pk}
    )
    assert response.status_code == 200
    clerk = Person.objects.get(pk=directory["clerk"].pk)
    assert (clerk.title, clerk.rank, clerk.unit) == ("副局长", 100, directory["gov"])


def test_patch_refuses_null_for_required_fields(admin, directory):
    url = f"/api/v1/people/{directory['clerk'].pk}"
    response = patch(api_client(admin), url, {"name": None})
    assert response.status_code == 422
    assert error_fields(response) == ["name"]


def test_patch_of_an_unknown_person_is_404(admin):
    assert patch(api_client(admin), "/api/v1/people/999999", {"title": "x"}).status_code == 404
