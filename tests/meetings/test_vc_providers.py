"""Each video-conference provider behind the one interface (DESIGN §8), and the registry."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.checks import run_checks
from django.test import override_settings

from core.exceptions import InvalidInput, VcPoolExhausted, VcUnavailable
from meetings.models import VcLink
from meetings.services import meeting_create
from meetings.vc_providers import VcBackend, VcRequest, backend_for, backends
from meetings.vc_providers.jitsi import AUDIENCE, OVERRUN
from meetings.vc_services import vc_validate
from tests.factories import NOW, at, make_pool, make_room

pytestmark = pytest.mark.django_db

JITSI = {
    "JITSI_BASE_URL": "https://meet.example.gov.cn",
    "JITSI_APP_ID": "huiwu",
    "JITSI_APP_SECRET": "a-long-shared-secret-for-prosody-tokens",
}


def book(organiser, room, *, vc: VcRequest, start=None, end=None, **kw):
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "视频会议"),
        room=room,
        start=start or at(2, 9),
        end=end or at(2, 10),
        now=NOW,
        vc=vc,
        **kw,
    )


# --- registry -----------------------------------------------------------------------------


def test_the_three_providers_are_registered_and_pool_is_the_default():
    assert list(backends()) == ["pool", "jitsi", "external"]
    assert backend_for("").code == "pool"
    assert all(isinstance(b, VcBackend) for b in backends().values())


def test_an_unknown_provider_is_a_422_naming_the_field():
    with pytest.raises(VcUnavailable) as err:
        backend_for("zoom")
    assert err.value.status == 422 and err.value.code == "vc_unavailable"
    assert err.value.details["errors"][0]["field"] == "vc.provider"


class EchoBackend(VcBackend):
    """A provider the booking code has never heard of."""

    code = "echo"
    label = "测试方式"

    def create(self, link: VcLink, *, request: VcRequest, now: dt.datetime) -> None:
        link.url = f"https://echo.example/{link.meeting_id}"

    def update(self, link: VcLink, *, now: dt.datetime) -> None:
        link.url = f"https://echo.example/{link.meeting_id}/moved"

    def cancel(self, link: VcLink, *, now: dt.datetime) -> None:
        link.url = ""


def test_a_new_provider_plugs_in_through_settings_alone(organiser, room):
    paths = ["meetings.vc_providers.pool.PoolBackend", f"{__name__}.EchoBackend"]
    with override_settings(VC_BACKENDS=paths, VC_PROVIDER="echo"):
        meeting = book(organiser, room, vc=VcRequest())
        link = VcLink.objects.get(meeting=meeting)
        assert (link.provider, link.url) == ("echo", f"https://echo.example/{meeting.pk}")
        assert run_checks(tags=["compatibility"]) == []


# --- pool ---------------------------------------------------------------------------------


def test_pool_hands_out_the_first_free_number_with_its_password(organiser, room):
    make_pool("8001", "8002")
    first = book(organiser, room, vc=VcRequest(provider="pool"))
    other_room = make_room("第二会议室")
    second = book(organiser, other_room, vc=VcRequest(provider="pool"))
    assert first.vc_link.number == "8001" and first.vc_link.password == "pw8001"
    assert second.vc_link.number == "8002"
    # The link holds the number for the meeting's buffered interval.
    assert (first.vc_link.occupied_start, first.vc_link.occupied_end) == (
        first.occupied_start,
        first.occupied_end,
    )


@override_settings(VC_POOL_URL_TEMPLATE="https://mcu.example.gov.cn/join?conf={number}")
def test_pool_links_get_the_mcu_web_link_when_configured(organiser, room):
    make_pool("8001")
    meeting = book(organiser, room, vc=VcRequest(provider="pool"))
    assert meeting.vc_link.url == "https://mcu.example.gov.cn/join?conf=8001"


def test_an_exhausted_pool_is_a_409_with_later_times_that_have_a_number(organiser, room):
    [only] = make_pool("8001")
    book(organiser, make_room("第二会议室"), vc=VcRequest(provider="pool"), title="占号")
    with pytest.raises(VcPoolExhausted) as err:
        book(organiser, room, vc=VcRequest(provider="pool"))
    exc = err.value
    assert exc.status == 409 and exc.code == "vc_pool_exhausted"
    assert exc.details["pool_size"] == 1
    assert [c["number"] for c in exc.details["conflicts"]] == [only.number]
    assert exc.details["conflicts"][0]["title"] == "占号"
    slots = exc.details["alternatives"]["slots"]
    assert slots, exc.details
    first = dt.datetime.fromisoformat(slots[0]["start"])
    # After the holder's 10:15 (teardown) plus this meeting's 15 minutes of setup.
    assert first >= at(2, 10, 30) and slots[0]["number"] == "8001"
    assert "可改在" in exc.message


def test_pool_refuses_join_details_it_did_not_make():
    with pytest.raises(InvalidInput) as err:
        vc_validate(VcRequest(provider="pool", number="123456"))
    assert err.value.details["errors"][0]["field"] == "vc.number"


def test_an_empty_pool_is_a_clear_422(organiser, room):
    with pytest.raises(VcUnavailable) as err:
        book(organiser, room, vc=VcRequest(provider="pool"))
    assert "号池" in err.value.message


# --- jitsi --------------------------------------------------------------------------------


@override_settings(**JITSI)
def test_jitsi_links_have_unguessable_rooms_and_a_verifiable_jwt(organiser, room):
    meeting = book(organiser, room, vc=VcRequest(provider="jitsi"))
    link = VcLink.objects.get(meeting=meeting)
    parts = urlsplit(link.url)
    assert f"{parts.scheme}://{parts.netloc}" == JITSI["JITSI_BASE_URL"]
    room_name = parts.path.lstrip("/")
    assert room_name == link.room_name and room_name.startswith("huiwu-")
    assert len(room_name) >= 24 and room_name == room_name.lower()
    token = parse_qs(parts.query)["jwt"][0]
    claims = jwt.decode(
        token,
        JITSI["JITSI_APP_SECRET"],
        algorithms=["HS256"],
        audience=AUDIENCE,
        issuer=JITSI["JITSI_APP_ID"],
        # The meeting is in December; "now" in the test is a fixed date before it.
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert claims["room"] == room_name
    assert claims["sub"] == "meet.example.gov.cn"
    assert claims["exp"] == int((meeting.occupied_end + OVERRUN).timestamp())
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token, "wrong-secret-wrong-secret-wrong!!", algorithms=["HS256"], audience="jitsi"
        )

    other = book(organiser, make_room("第二会议室"), vc=VcRequest(provider="jitsi"))
    assert other.vc_link.room_name != room_name


@override_settings(**{**JITSI, "JITSI_APP_ID": "", "JITSI_APP_SECRET": ""})
def test_jitsi_without_a_secret_gives_a_plain_link(organiser, room):
    meeting = book(organiser, room, vc=VcRequest(provider="jitsi"))
    assert meeting.vc_link.url == f"{JITSI['JITSI_BASE_URL']}/{meeting.vc_link.room_name}"


@override_settings(JITSI_BASE_URL="")
def test_jitsi_without_a_base_url_is_a_clear_422_and_nothing_is_booked(organiser, room):
    from meetings.models import Meeting

    with pytest.raises(VcUnavailable) as err:
        book(organiser, room, vc=VcRequest(provider="jitsi"))
    assert "JITSI_BASE_URL" in err.value.message and err.value.status == 422
    assert not Meeting.objects.exists()


@override_settings(JITSI_BASE_URL="", VC_PROVIDER="jitsi")
def test_jitsi_as_default_without_a_base_url_fails_the_system_check():
    errors = run_checks(tags=["compatibility"])
    assert [e.id for e in errors] == ["meetings.E003"]
    assert "JITSI_BASE_URL" in errors[0].msg


@override_settings(VC_PROVIDER="webex")
def test_an_unknown_default_provider_fails_the_system_check():
    assert [e.id for e in run_checks(tags=["compatibility"])] == ["meetings.E002"]


@override_settings(**{**JITSI, "JITSI_APP_ID": ""})
def test_a_jitsi_secret_without_an_app_id_is_refused():
    with pytest.raises(VcUnavailable) as err:
        backend_for("jitsi")
    assert "JITSI_APP_ID" in err.value.message


# --- external -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        VcRequest(provider="external", url="https://meeting.tencent.com/dm/AbCdEf"),
        VcRequest(provider="external", number="123 456 789", password="2468"),
        VcRequest(provider="external", dial_in="10.12.1.5##88001"),
        VcRequest(provider="external", number="0871-12345678", dial_in="+86 871 1234,,8001#"),
    ],
)
def test_external_links_and_numbers_are_stored_as_given(organiser, room, request_):
    meeting = book(organiser, room, vc=request_)
    link = VcLink.objects.get(meeting=meeting)
    assert (link.provider, link.url, link.number, link.password, link.dial_in) == (
        "external",
        request_.url,
        request_.number,
        request_.password,
        request_.dial_in,
    )
    assert link.resource is None


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (VcRequest(provider="external"), "vc.url"),
        (VcRequest(provider="external", url="meeting.tencent.com/dm/x"), "vc.url"),
        (VcRequest(provider="external", url="javascript:alert(1)"), "vc.url"),
        (VcRequest(provider="external", url="ftp://files.example/x"), "vc.url"),
        (VcRequest(provider="external", url="123 456 789"), "vc.url"),
        (VcRequest(provider="external", number="腾讯会议"), "vc.number"),
        (VcRequest(provider="external", number="abc-def"), "vc.number"),
        (VcRequest(provider="external", number="12"), "vc.number"),
        (VcRequest(provider="external", dial_in="call me"), "vc.dial_in"),
    ],
)
def test_external_input_that_is_not_a_url_or_number_is_a_422(request_, field):
    with pytest.raises(InvalidInput) as err:
        vc_validate(request_)
    assert err.value.status == 422
    assert err.value.details["errors"][0]["field"] == field


@override_settings(**{**JITSI, "JITSI_APP_SECRET": "short"})
def test_a_jitsi_secret_too_short_for_hs256_is_refused():
    with pytest.raises(VcUnavailable) as err:
        backend_for("jitsi")
    assert "JITSI_APP_SECRET" in err.value.message
