"""The fixed cast (DESIGN §11): every endpoint is tried by each of them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.roles import Role
from tests.factories import make_person, make_room, make_unit, make_user


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Real hashing is deliberately slow; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db) -> User:
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def approver(db) -> User:
    return make_user("approver", Role.APPROVER)


@pytest.fixture
def organiser(db) -> User:
    return make_user("organiser", Role.STAFF)


@pytest.fixture
def colleague(db) -> User:
    return make_user("colleague", Role.STAFF)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but with no role: may look at the room board, nothing more."""
    return make_user("outsider")


@pytest.fixture
def leader(db) -> User:
    user = make_user("leader", Role.LEADER)
    make_person("王县长", unit=make_unit("县政府"), is_leader=True, rank=1, user=user, title="县长")
    return user


@pytest.fixture
def secretary(db, leader) -> User:
    user = make_user("secretary", Role.SECRETARY)
    leader.person.secretaries.add(user)
    return user


@pytest.fixture
def room(db):
    return make_room("第一会议室", capacity=60)


@pytest.fixture
def approval_room(db):
    return make_room("常务会议室", capacity=30, needs_approval=True)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
