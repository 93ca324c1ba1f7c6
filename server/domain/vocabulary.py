"""The segmenter's vocabulary: the shared Jieba tokenizer, taught the org units' place names
and the words staff added, so that every part of the server cuts text the same way.

The tokenizer is built once per process at start-up (`load_vocabulary`, from the lifespan);
words added later reach this process at once and the other workers on their next refresh.
"""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nlp.text import Tokenizer, default_tokenizer, normalize
from server import policy
from server.auth import Principal
from server.db.engine import Database
from server.db.models import OrgUnit
from server.db.models_suggestions import VocabularyWord
from server.domain.errors import Conflict, Invalid

# Level suffixes of place names: "大冈镇" should also keep "大冈" whole.
_PLACE_SUFFIXES = ("街道", "社区", "居委会", "村委会", "村", "镇", "乡", "区", "县", "市")
MAX_WORD_CHARS = 32


class _Loaded:
    """How far this process's tokenizer has read each source (highest row id)."""

    org_unit_id = 0
    word_id = 0
    lock = asyncio.Lock()


def place_words(name: str) -> list[str]:
    """A place name and, when it ends in a level suffix, its stem of two or more characters."""
    name = normalize(name)
    words = [name] if name else []
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            words.append(name[: -len(suffix)])
            break
    return words


async def load_vocabulary(db: Database) -> Tokenizer:
    """Build the shared tokenizer (Jieba's dictionary loads here, not on a first request)
    and teach it every place name and added word in the database."""
    tokenizer = await anyio.to_thread.run_sync(default_tokenizer)
    async with db.session() as session:
        await refresh_vocabulary(session)
    return tokenizer


async def refresh_vocabulary(session: AsyncSession) -> int:
    """Teach the shared tokenizer the place names and words added since the last refresh;
    returns how many words it learnt."""
    async with _Loaded.lock:
        units = (
            await session.execute(
                select(OrgUnit.id, OrgUnit.name)
                .where(OrgUnit.id > _Loaded.org_unit_id)
                .order_by(OrgUnit.id)
            )
        ).all()
        added = (
            await session.execute(
                select(VocabularyWord.id, VocabularyWord.word)
                .where(VocabularyWord.id > _Loaded.word_id)
                .order_by(VocabularyWord.id)
            )
        ).all()
        words = [w for _, name in units for w in place_words(name)]
        words += [word for _, word in added]
        if words:
            tokenizer = await anyio.to_thread.run_sync(default_tokenizer)
            await anyio.to_thread.run_sync(tokenizer.add_words, words)
        if units:
            _Loaded.org_unit_id = units[-1][0]
        if added:
            _Loaded.word_id = added[-1][0]
        return len(words)


def clean_word(raw: str) -> str:
    """A word as the segmenter will hold it, or a refusal saying what is wrong with it."""
    word = normalize(raw)
    if not word:
        raise Invalid("词语不能为空")
    if any(ch.isspace() for ch in word):
        raise Invalid("词语中不能有空格")
    if len(word) > MAX_WORD_CHARS:
        raise Invalid(f"词语最多 {MAX_WORD_CHARS} 个字")
    if not all(ch.isalnum() or unicodedata.category(ch) == "Pd" for ch in word):
        raise Invalid("词语只能由汉字、字母、数字和连字符组成")
    return word


async def list_words(session: AsyncSession, principal: Principal | None) -> list[VocabularyWord]:
    await policy.authorize(session, principal, "vocabulary.read")
    return list(await session.scalars(select(VocabularyWord).order_by(VocabularyWord.id)))


async def add_word(session: AsyncSession, principal: Principal | None, raw: str) -> VocabularyWord:
    """Add a word to the shared vocabulary (staff, moderators and CPPCC staff of any room)."""
    principal = await policy.authorize(session, principal, "vocabulary.edit")
    word = clean_word(raw)
    assert principal.person is not None
    total = await session.scalar(select(func.count()).select_from(VocabularyWord))
    if (total or 0) >= 10_000:
        raise Conflict("自定义词语已达上限（10000 个）")
    row = VocabularyWord(word=word, added_by=principal.person.id, created_at=datetime.now(UTC))
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"词语「{word}」已在词库中") from None
    await refresh_vocabulary(session)
    return row
