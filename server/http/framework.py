"""How one JSON endpoint runs: find the caller, check CSRF and the policy, read the body,
call, shape.

Also the one mapping of errors to JSON and the OpenAPI document built from the endpoints.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import policy
from server.auth import SESSION_COOKIE, Credentials, Principal, resolve
from server.domain.errors import DomainError, Forbidden, Invalid, NotFound
from server.limits import MAX_ID, check_json_depth, query_id
from server.settings import Settings

log = logging.getLogger("hsl.http")

CSRF_COOKIE = "hsl_csrf"
CSRF_HEADER = "x-csrf-token"
MAX_BODY_BYTES = 1_000_000
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


@dataclass
class Context:
    """What a handler gets: the request, a database session, who is asking, the settings."""

    request: Request
    session: AsyncSession
    principal: Principal | None
    settings: Settings
    body: Any = None

    def path_int(self, name: str) -> int:
        value = int(self.request.path_params[name])
        if not 1 <= value <= MAX_ID:
            raise NotFound("找不到该编号对应的记录，请检查地址")  # no row can have this id
        return value

    def query_id(self, name: str) -> int | None:
        """An id from the query string (None when absent), range-checked like the path's."""
        return query_id(self.request.query_params.get(name), name)

    def public_base(self) -> str:
        """Where links the server hands out start: HSL_PUBLIC_URL, or the request's own base."""
        return self.settings.public_url.rstrip("/") or str(self.request.base_url).rstrip("/")


Handler = Callable[[Context], Awaitable[Any]]


@dataclass
class Endpoint:
    """One JSON endpoint: its permission (a name in server/policy.py), input and output
    models, for routing, the policy and OpenAPI."""

    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    permission: str = ""

    def __post_init__(self) -> None:
        policy.permission(self.permission)  # an endpoint without a known permission is a bug

    def route(self) -> Route:
        return Route(self.path, self._asgi, methods=[self.method], name=self.handler.__name__)

    async def _asgi(self, request: Request) -> Response:
        app = request.app.state.hsl
        async with app.db.session() as session:
            principal, by_cookie = await find_principal(request, session, app.settings)
            if by_cookie and request.method in WRITE_METHODS:
                check_csrf(request, principal)
            refusal = policy.refuses_early(self.permission, principal)
            if refusal is not None:
                raise refusal
            body = await self._parse_body(request) if self.body is not None else None
            ctx = Context(request, session, principal, app.settings, body)
            result = await self.handler(ctx)
        if isinstance(result, Response):
            return result
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        return JSONResponse(result, status_code=self.status)

    async def _parse_body(self, request: Request) -> BaseModel:
        assert self.body is not None
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise Invalid("请求内容过大")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise Invalid("请求内容过大")
        check_json_depth(raw)
        try:
            data = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Invalid("请求体不是有效的 JSON") from None
        try:
            return self.body.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]["loc"] if exc.errors() else ()
            raise Invalid(
                describe_validation(exc), field=".".join(str(p) for p in first) or None
            ) from None


def describe_validation(exc: ValidationError) -> str:
    """One Chinese sentence naming the fields that failed and why."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "请求体"
        parts.append(f"{where}：{_explain(err)}")
    return "输入有误 — " + "；".join(parts)


def _explain(err: Any) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "必填",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字符",
        "string_too_short": f"至少 {ctx.get('min_length')} 个字符",
        "extra_forbidden": "不认识的字段",
        "literal_error": f"只能是 {ctx.get('expected')}",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "string_type": "应为文本",
        "datetime_parsing": "应为 ISO 8601 时间",
        "datetime_from_date_parsing": "应为 ISO 8601 时间",
        "model_type": "应为 JSON 对象",
        "dict_type": "应为 JSON 对象",
        "list_type": "应为列表",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "too_short": f"至少 {ctx.get('min_length')} 项",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "float_type": "应为数字",
        "float_parsing": "应为数字",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "timezone_aware": "须带时区",
        "id_type": "应为编号（正整数）",
        "not_null": "不能为 null，不修改时请不要带这个字段",
    }
    return messages.get(kind, "格式不正确")


async def find_principal(
    request: Request, session: AsyncSession, settings: Settings
) -> tuple[Principal | None, bool]:
    """The request's caller (see server.auth.resolve); returns whether the cookie was used."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    credentials = Credentials(
        token=token,
        invite=request.headers.get("x-invite"),
        cookie=request.cookies.get(SESSION_COOKIE),
    )
    return await resolve(session, settings.signing_key(), credentials)


def check_csrf(request: Request, principal: Principal | None) -> None:
    """Cookie-authenticated writes must echo the CSRF value the login handed out."""
    if principal is None or principal.csrf is None:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if sent != principal.csrf:
        raise CsrfError("缺少或错误的 CSRF 校验值，请刷新页面后重试")


class CsrfError(Forbidden):
    code = "csrf"


async def on_domain_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    error: dict[str, str] = {"code": exc.code, "message": exc.message}
    if exc.field is not None:
        error["field"] = exc.field  # which input the refusal is about, for a form
    return JSONResponse({"error": error}, status_code=exc.status)


_HTTP_MESSAGES = {
    404: ("not_found", "找不到该地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
}


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
    return error_response(exc.status_code, code, message)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "服务器内部错误，请稍后重试")


async def on_value_error(_request: Request, _exc: Exception) -> Response:
    # Path parameters that do not parse (e.g. /api/rooms/abc) land here.
    return error_response(400, "invalid", "地址中的编号格式不正确")


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    DomainError: on_domain_error,
    HTTPException: on_http_error,
    ValueError: on_value_error,
    Exception: on_unexpected,
}


class _AnswerSchema(GenerateJsonSchema):
    """JSON Schema where an answer's fields with defaults are required: model_dump writes
    every field, so a client may rely on each one being there."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        if self.mode == "serialization":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


def openapi_document(endpoints: Sequence[Endpoint], *, version: str) -> dict[str, Any]:
    """An OpenAPI 3.1 description of the endpoints, from their pydantic models.

    Bodies are described as the server reads them (fields with defaults may be left out),
    answers as it writes them (every field present); a model used both ways whose two
    descriptions differ gets two schemas, `Name-Input` and `Name-Output`.
    """
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for ep in endpoints:
        if ep.body is not None:
            modes.append((ep.body, "validation"))
        if ep.response is not None:
            modes.append((ep.response, "serialization"))
    refs, defs = models_json_schema(
        list(dict.fromkeys(modes)),
        ref_template="#/components/schemas/{model}",
        schema_generator=_AnswerSchema,
    )
    schemas: dict[str, Any] = dict(sorted(defs.get("$defs", {}).items()))
    paths: dict[str, dict[str, Any]] = {}
    error = {
        "description": "错误",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "the input it is about, if one"},
                },
            }
        },
    }
    for ep in endpoints:
        op: dict[str, Any] = {
            "summary": ep.summary,
            "operationId": ep.handler.__name__,
            "responses": {"default": error},
            "x-permission": ep.permission,
        }
        params = [
            {"name": name, "in": "path", "required": True, "schema": _path_schema(ep.path, name)}
            for name in _path_params(ep.path)
        ]
        params += [
            {"name": name, "in": "query", "required": False, "schema": _query_schema(kind)}
            for name, kind in ep.query.items()
        ]
        if params:
            op["parameters"] = params
        if ep.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(ep.body, "validation")]}},
            }
        ok: dict[str, Any] = {"description": "成功"}
        if ep.response is not None:
            schema = refs[(ep.response, "serialization")]
            ok["content"] = {"application/json": {"schema": schema}}
        op["responses"][str(ep.status)] = ok
        paths.setdefault(_openapi_path(ep.path), {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "好商量 API", "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }


def _path_schema(path: str, name: str) -> dict[str, Any]:
    # {x:int} parameters are ids or version numbers: the range a database row can have.
    if "{" + name + ":int}" in path:
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"type": "string"}


def _query_schema(kind: str) -> dict[str, Any]:
    # Integer query parameters are ids (Context.query_id).
    if kind == "integer":
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"type": kind}


def _path_params(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]


def _openapi_path(path: str) -> str:
    return "/".join(
        "{" + part[1:-1].split(":")[0] + "}" if part.startswith("{") else part
        for part in path.split("/")
    )
