from __future__ import annotations

import pytest

from core.names import user_display_name
from tests.conftest import client_for
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


def test_family_name_comes_first():
    assert user_display_name(make_user("lin", first_name="晓燕", last_name="林")) == "林晓燕"


def test_the_directory_name_wins_and_username_is_the_last_resort():
    user = make_user("zhang")
    assert user_display_name(user) == "zhang"
    make_person("张建国", user=user)
    user.refresh_from_db()
    assert user_display_name(user) == "张建国"


def test_the_page_header_shows_the_chinese_order():
    user = make_user("lin2", first_name="晓燕", last_name="林")
    html = client_for(user).get("/board/").content.decode()
    assert "林晓燕" in html and "晓燕 林" not in html
