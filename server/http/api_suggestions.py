"""The JSON API of suggestions (意见建议), the theme board, topic screening hints and the
segmenter's vocabulary: each endpoint parses, lets server.domain decide, and shapes JSON.

A change that live clients should see is passed, after its commit, to the app's `announce`
hook (`app.state.announce(meeting_id, notice)`) when the app factory installs one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from server.db.models_suggestions import VocabularyWord
from server.domain import suggestions, themes, vocabulary
from server.domain.themes import BoardChange
from server.http import schemas_suggestions as g
from server.http.framework import Context, Endpoint

MEETING = "/api/meetings/{meeting_id:int}"
Announce = Callable[[int, dict[str, Any]], Awaitable[None]]


async def announce(ctx: Context, meeting_id: int, notice: dict[str, Any] | None) -> None:
    hook: Announce | None = getattr(ctx.request.app.state, "announce", None)
    if hook is not None and notice is not None:
        await hook(meeting_id, notice)


async def _board_changed(ctx: Context, change: BoardChange) -> g.BoardOut:
    await announce(ctx, change.board.meeting_id, change.notice)
    return g.BoardOut.model_validate(change.board, from_attributes=True)


async def submit_suggestion(ctx: Context) -> Response:
    body: g.SuggestionIn = ctx.body
    meeting_id = ctx.path_int("meeting_id")
    result = await suggestions.submit(
        ctx.session, ctx.principal, meeting_id, body.text, body.client_id
    )
    await announce(ctx, meeting_id, result.notice)
    out = g.SubmittedOut.model_validate(result, from_attributes=True)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if result.created else 200)


async def list_suggestions(ctx: Context) -> g.SuggestionList:
    rows = await suggestions.list_suggestions(
        ctx.session, ctx.principal, ctx.path_int("meeting_id")
    )
    return g.SuggestionList(
        items=[g.SuggestionOut.model_validate(r, from_attributes=True) for r in rows]
    )


async def get_board(ctx: Context) -> g.BoardOut:
    board = await themes.theme_board(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    return g.BoardOut.model_validate(board, from_attributes=True)


async def recluster(ctx: Context) -> g.BoardOut:
    change = await themes.recluster(ctx.session, ctx.principal, ctx.path_int("meeting_id"))
    return await _board_changed(ctx, change)


async def merge_themes(ctx: Context) -> g.BoardOut:
    body: g.MergeIn = ctx.body
    change = await themes.merge_themes(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        body.theme_ids,
        into=body.into,
        name=body.name,
    )
    return await _board_changed(ctx, change)


async def split_theme(ctx: Context) -> g.BoardOut:
    body: g.SplitIn = ctx.body
    change = await themes.split_theme(
        ctx.session, ctx.principal, ctx.path_int("meeting_id"), body.theme_id, body.parts
    )
    return await _board_changed(ctx, change)


async def move_suggestions(ctx: Context) -> g.BoardOut:
    body: g.MoveIn = ctx.body
    change = await themes.move_suggestions(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        body.suggestion_ids,
        body.theme_id,
        name=body.name,
    )
    return await _board_changed(ctx, change)


async def rename_theme(ctx: Context) -> g.BoardOut:
    body: g.RenameIn = ctx.body
    change = await themes.rename_theme(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        ctx.path_int("theme_id"),
        body.name,
    )
    return await _board_changed(ctx, change)


async def themes_to_poll(ctx: Context) -> g.PollOut:
    body: g.PollIn = ctx.body
    draft = await themes.themes_to_poll(
        ctx.session,
        ctx.principal,
        ctx.path_int("meeting_id"),
        kind=body.kind,
        theme_ids=body.theme_ids,
        question=body.question,
    )
    return g.PollOut(data=g.ThemePollData(**draft.data), theme_ids=draft.theme_ids)


async def screen_topic(ctx: Context) -> g.ScreeningOut:
    body: g.ScreeningIn = ctx.body
    hints = suggestions.screening_hints(ctx.principal, body.text)
    return g.ScreeningOut(hints=[g.ScreeningHintOut.model_validate(h) for h in hints])


def _word_out(row: VocabularyWord) -> g.WordOut:
    return g.WordOut(id=row.id, word=row.word, created_at=row.created_at)


async def list_words(ctx: Context) -> g.WordList:
    rows = await vocabulary.list_words(ctx.session, ctx.principal)
    return g.WordList(items=[_word_out(r) for r in rows])


async def add_word(ctx: Context) -> g.WordOut:
    body: g.WordIn = ctx.body
    return _word_out(await vocabulary.add_word(ctx.session, ctx.principal, body.word))


ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "POST",
        f"{MEETING}/suggestions",
        submit_suggestion,
        "提交意见建议（立即归入主题；同一 client_id 重试只记一次）",
        g.SuggestionIn,
        g.SubmittedOut,
        status=201,
        permission="suggestion.submit",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/suggestions",
        list_suggestions,
        "意见建议列表（主持人、工作人员看全部，其他人看自己的）",
        None,
        g.SuggestionList,
        permission="suggestion.read",
    ),
    Endpoint(
        "GET",
        f"{MEETING}/themes",
        get_board,
        "意见建议主题看板",
        None,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/themes/recluster",
        recluster,
        "重新归类（保留工作人员的调整）",
        None,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/themes/merge",
        merge_themes,
        "合并主题",
        g.MergeIn,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/themes/split",
        split_theme,
        "拆分主题",
        g.SplitIn,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/themes/move",
        move_suggestions,
        "移动意见建议",
        g.MoveIn,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "PATCH",
        f"{MEETING}/themes/{{theme_id:int}}",
        rename_theme,
        "重命名主题",
        g.RenameIn,
        g.BoardOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        f"{MEETING}/themes/poll",
        themes_to_poll,
        "由主题生成投票（poll.open 的数据，由主持人发出）",
        g.PollIn,
        g.PollOut,
        permission="theme.edit",
    ),
    Endpoint(
        "POST",
        "/api/screening",
        screen_topic,
        "议题筛选提示（第十一条，仅供参考）",
        g.ScreeningIn,
        g.ScreeningOut,
        permission="screening.hints",
    ),
    Endpoint(
        "GET",
        "/api/vocabulary",
        list_words,
        "自定义词库",
        None,
        g.WordList,
        permission="vocabulary.read",
    ),
    Endpoint(
        "POST",
        "/api/vocabulary",
        add_word,
        "添加自定义词语",
        g.WordIn,
        g.WordOut,
        status=201,
        permission="vocabulary.edit",
    ),
]
