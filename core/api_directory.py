"""The people directory over the API: units and people, in protocol order.

Anyone signed in reads it (attendee pickers need it); only 会务管理员 change it. The
rules and the audit entry of every change are in core.services; this module only parses,
calls the service and serialises.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx
from pydantic import field_validator

from core import roles, services
from core.exceptions import NotFound
from core.models import Person, Unit
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId, QuerySchema, reject_null

router = Router(tags=["directory"])

# --- schemas ------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    order: int


class UnitIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100, strict=True)
    short_name: str = Field("", max_length=30, strict=True)
    order: int = Field(100, ge=0, le=1_000_000, strict=True)


class UnitRef(Schema):
    id: int
    name: str
    short_name: str


class PersonOut(Schema):
    id: int
    name: str
    title: str
    unit: UnitRef
    rank: int
    is_leader: bool
    active: bool
    email: str | None = Field(None, description="只对会务人员、秘书、审批人、管理员显示")
    phone: str | None = Field(None, description="只对会务人员、秘书、审批人、管理员显示")
    notify_channel: str | None = Field(
        None,
        description="通知方式：email 电子邮件、wecom 企业微信群机器人、dingtalk 钉钉群机器人、"
        "none 仅站内通知（只对会务人员、秘书、审批人、管理员显示）",
    )
    robot_webhook: str | None = Field(
        None, description="本人的群机器人 Webhook 地址，空则用所在单位的（只对管理员显示）"
    )


NotifyChannelCode = Literal["email", "wecom", "dingtalk", "none"]
_WEBHOOK_DOC = "企业微信或钉钉群机器人的 Webhook 地址（http/https）；留空则用所在单位的工作群"


class PersonIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50, strict=True)
    title: str = Field("", max_length=100, strict=True)
    unit_id: BodyId
    rank: int = Field(1000, ge=0, le=1_000_000, strict=True)
    is_leader: bool = Field(False, strict=True)
    email: str = Field("", max_length=254, strict=True)
    phone: str = Field("", max_length=30, strict=True)
    active: bool = Field(True, strict=True)
    notify_channel: NotifyChannelCode = Field("email", description="通知方式")
    robot_webhook: str = Field("", max_length=500, strict=True, description=_WEBHOOK_DOC)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _check_email(value)

    @field_validator("robot_webhook")
    @classmethod
    def _webhook(cls, value: str) -> str:
        return _check_webhook(value)


class PersonPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=50, strict=True)
    title: str | None = Field(None, max_length=100, strict=True)
    unit_id: BodyId | None = None
    rank: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    is_leader: bool | None = Field(None, strict=True)
    email: str | None = Field(None, max_length=254, strict=True)
    phone: str | None = Field(None, max_length=30, strict=True)
    active: bool | None = Field(None, strict=True)
    notify_channel: NotifyChannelCode | None = Field(None, description="通知方式")
    robot_webhook: str | None = Field(None, max_length=500, strict=True, description=_WEBHOOK_DOC)

    @field_validator(
        "name",
        "title",
        "rank",
        "is_leader",
        "email",
        "phone",
        "active",
        "unit_id",
        "notify_channel",
        "robot_webhook",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return reject_null(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else _check_email(value)

    @field_validator("robot_webhook")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        return None if value is None else _check_webhook(value)


class PeopleFilter(QuerySchema):
    unit_id: ParamId | None = None
    leaders: bool = Field(False, description="true：只列县领导")
    q: str = Field("", max_length=50, description="姓名、职务或单位中包含的文字")
    include_inactive: bool = False


def _check_email(value: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if not value:
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError("不是有效的电子邮箱") from None
    return value


def _check_webhook(value: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    value = value.strip()
    if not value:
        return value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValueError("不是有效的网址（须以 http:// 或 https:// 开头）") from None
    return value


# --- output -------------------------------------------------------------------------------


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "name": unit.name, "short_name": unit.short_name, "order": unit.order}


def _person_out(person: Person, viewer: Any) -> dict[str, Any]:
    # Phone numbers of county leaders are for the people who organise their meetings.
    contact = roles.can_book(viewer) or roles.can_approve(viewer)
    return {
        "id": person.pk,
        "name": person.name,
        "title": person.title,
        "unit": {
            "id": person.unit.pk,
            "name": person.unit.name,
            "short_name": person.unit.short_name,
        },
        "rank": person.rank,
        "is_leader": person.is_leader,
        "active": person.active,
        "email": person.email if contact else None,
        "phone": person.phone if contact else None,
        "notify_channel": person.notify_channel if contact else None,
        # Anyone holding a robot's address can post into that group chat.
        "robot_webhook": person.robot_webhook if roles.is_admin(viewer) else None,
    }


def _people() -> QuerySet[Person]:
    return Person.objects.select_related("unit")


# --- units --------------------------------------------------------------------------------


@router.get("/units", response=list[UnitOut], summary="单位列表（按惯例顺序）")
def unit_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_unit_out(u) for u in Unit.objects.all()]


@router.post("/units", response={201: UnitOut, codes_4xx: ErrorOut}, summary="新建单位（管理员）")
def unit_create(request: HttpRequest, payload: UnitIn) -> HttpStatus[dict[str, Any]]:
    unit = services.unit_create(
        actor=request.user, name=payload.name, short_name=payload.short_name, order=payload.order
    )
    return HttpStatus(201, _unit_out(unit))


# --- people -------------------------------------------------------------------------------


@router.get("/people", response=list[PersonOut], summary="人员名录（按礼宾排序）")
def person_list(request: HttpRequest, filters: Query[PeopleFilter]) -> list[dict[str, Any]]:
    qs = _people()
    if not filters.include_inactive:
        qs = qs.filter(active=True)
    if filters.unit_id is not None:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.leaders:
        qs = qs.filter(is_leader=True)
    text = filters.q.strip()
    if text:
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(title__icontains=text)
            | Q(unit__name__icontains=text)
            | Q(unit__short_name__icontains=text)
        )
    return [_person_out(p, request.user) for p in qs.order_by("rank", "unit__order", "name", "pk")]


@router.get("/people/{person_id}", response={200: PersonOut, codes_4xx: ErrorOut}, summary="人员")
def person_detail(request: HttpRequest, person_id: ParamId) -> dict[str, Any]:
    person = _people().filter(pk=person_id).first()
    if person is None:
        raise NotFound("人员不存在", details={"id": person_id})
    return _person_out(person, request.user)


@router.post(
    "/people", response={201: PersonOut, codes_4xx: ErrorOut}, summary="新建人员（管理员）"
)
def person_create(request: HttpRequest, payload: PersonIn) -> HttpStatus[dict[str, Any]]:
    person = services.person_create(
        actor=request.user,
        name=payload.name,
        unit_id=payload.unit_id,
        title=payload.title,
        rank=payload.rank,
        is_leader=payload.is_leader,
        email=payload.email,
        phone=payload.phone,
        active=payload.active,
        notify_channel=payload.notify_channel,
        robot_webhook=payload.robot_webhook,
    )
    return HttpStatus(201, _person_out(person, request.user))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, codes_4xx: ErrorOut},
    summary="修改人员（管理员）",
)
def person_update(request: HttpRequest, person_id: ParamId, payload: PersonPatch) -> dict[str, Any]:
    # Permission before existence, so a non-admin cannot probe which ids exist.
    services.directory_require_admin(request.user)
    person = _people().filter(pk=person_id).first()
    if person is None:
        raise NotFound("人员不存在", details={"id": person_id})
    person = services.person_update(
        actor=request.user, person=person, **payload.model_dump(exclude_unset=True)
    )
    return _person_out(person, request.user)
