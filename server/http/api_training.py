"""The JSON API of training sessions and publicity items; the rules are server.domain.training's."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.db.models_outcomes import PublicityItem, TrainingSession
from server.domain import training
from server.http.api_assessment import YEAR_QUERY, year_of
from server.http.framework import Context, Endpoint
from server.http.schemas import Id, Input, Title

Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]
Channel = Literal["portal", "wechat", "press", "app"]


class TrainingIn(Input):
    org_unit_id: Id
    title: Title
    held_on: date
    place: Place
    attendee_ids: Annotated[list[Id], Field(max_length=training.MAX_ATTENDEES)] = Field(
        default_factory=list
    )


class TrainingOut(BaseModel):
    id: int
    org_unit_id: int
    title: str
    held_on: date
    place: str
    by_name: str
    attendee_ids: list[int]


class TrainingList(BaseModel):
    items: list[TrainingOut]


class PublicityIn(Input):
    title: Title
    url: Url
    channel: Channel
    published_on: date
    outcome_id: Id | None = None


class PublicityOut(BaseModel):
    id: int
    room_id: int
    outcome_id: int | None
    title: str
    url: str
    channel: Channel
    published_on: date
    by_name: str


class PublicityList(BaseModel):
    items: list[PublicityOut]


def training_out(t: TrainingSession) -> TrainingOut:
    return TrainingOut(
        id=t.id,
        org_unit_id=t.org_unit_id,
        title=t.title,
        held_on=t.held_on,
        place=t.place,
        by_name=t.by_name,
        attendee_ids=sorted(a.person_id for a in t.attendees),
    )


def publicity_out(p: PublicityItem) -> PublicityOut:
    return PublicityOut.model_validate(p, from_attributes=True)


async def record_training(ctx: Context) -> TrainingOut:
    body: TrainingIn = ctx.body
    made = await training.record_training(
        ctx.session,
        ctx.principal,
        org_unit_id=body.org_unit_id,
        title=body.title,
        held_on=body.held_on,
        place=body.place,
        attendee_ids=body.attendee_ids,
    )
    return training_out(made)


async def list_trainings(ctx: Context) -> TrainingList:
    found = await training.trainings(ctx.session, ctx.principal, year_of(ctx))
    return TrainingList(items=[training_out(t) for t in found])


async def add_publicity(ctx: Context) -> PublicityOut:
    body: PublicityIn = ctx.body
    item = await training.add_publicity(
        ctx.session,
        ctx.principal,
        ctx.path_int("room_id"),
        title=body.title,
        url=body.url,
        channel=body.channel,
        published_on=body.published_on,
        outcome_id=body.outcome_id,
    )
    return publicity_out(item)


async def list_publicity(ctx: Context) -> PublicityList:
    found = await training.publicity_of(ctx.session, ctx.principal, ctx.path_int("room_id"))
    return PublicityList(items=[publicity_out(p) for p in found])


ROOM = "/api/rooms/{room_id:int}/publicity"
ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST",
        "/api/trainings",
        record_training,
        "登记培训及出席人员",
        TrainingIn,
        TrainingOut,
        status=201,
        permission="training.manage",
    ),
    Endpoint(
        "GET",
        "/api/trainings",
        list_trainings,
        "范围内本年度的培训",
        None,
        TrainingList,
        YEAR_QUERY,
        permission="assessment.read",
    ),
    Endpoint(
        "POST",
        ROOM,
        add_publicity,
        "登记议事室或协商成果的宣传报道",
        PublicityIn,
        PublicityOut,
        status=201,
        permission="publicity.manage",
    ),
    Endpoint(
        "GET", ROOM, list_publicity, "议事室的宣传报道", None, PublicityList, permission="room.read"
    ),
]
