"""Secret ballots against someone who holds the database files, the console or the log.

The known linking attacks, run on the real files of a real server; and a crash mid-poll.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tests.conftest import REDIS_URL, bearer, login_token
from tests.live.conftest import connect_user
from tests.live.polls_support import (
    Person,
    PollMeeting,
    Voter,
    close_poll,
    disconnect_all,
    make_people,
    open_poll,
    poll_meeting,
)
from tests.support import ServerProcess

PEOPLE = [
    ("高志远", "member", "moderator"),
    ("林美玲", "member", "participant"),
    ("何建军", "stakeholder", "participant"),
    ("吴秀兰", "member", "participant"),
    ("郑国华", "official", "participant"),
    ("孙丽娟", "member", "participant"),
    ("陈德明", "stakeholder", "participant"),
    ("周晓燕", "member", "participant"),
]
PLACES = [
    "东门广场",
    "西侧绿地",
    "南门车棚",
    "北区空地",
    "中心花园",
    "活动室旁",
    "幼儿园对面",
    "卫生站后",
]
# Who votes when (indexes into PEOPLE), and the option each of them picks, in that order.
# Eight voters, eight distinct options: every ballot is unique, so any link names a choice.
VOTE_ORDER = [3, 0, 6, 1, 7, 4, 2, 5]
PICKS = ["o6", "o1", "o4", "o7", "o2", "o5", "o8", "o3"]
KIOSK_VOTER = 6  # 陈德明 votes on the kiosk, cast by the moderator on his behalf
CHANCE = 2  # an attack right for 3 or more of the 8 has linked ballots to voters
UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@dataclass
class Scene:
    """A secret poll as the test ran it: the truth, and what each attack needs to try."""

    meeting_id: int
    poll_id: str
    truth: dict[str, str]  # participant -> option id
    command_voter: dict[str, str]  # the vote's command id -> the voter it was for
    tally_guess: dict[str, str] = field(default_factory=dict)  # from the live attack

    @property
    def options(self) -> set[str]:
        return set(self.truth.values())

    def right(self, guess: dict[str, str]) -> int:
        return sum(1 for pid, choice in guess.items() if self.truth.get(pid) == choice)


def plaintext(scene: Scene, value: object) -> str | None:
    """A stored choice as the attacker reads it: an option id, or None if it is not one."""
    if isinstance(value, str) and value.startswith('"'):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, str) and value in scene.options else None


# -- attacks on SQLite files ------------------------------------------------------------------


@dataclass
class Frame:
    generation: int
    index: int
    commit: bool
    page: bytes


def wal_frames(wal: Path) -> list[Frame]:
    """Every frame of a SQLite WAL file, oldest first (also frames of earlier generations)."""
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    frames = []
    offset, index = 32, 0
    while offset + 24 + page_size <= len(data):
        _page_no, commit_size, salt1, _salt2 = struct.unpack(">IIII", data[offset : offset + 16])
        page = data[offset + 24 : offset + 24 + page_size]
        frames.append(Frame(salt1, index, commit_size != 0, page))
        offset += 24 + page_size
        index += 1
    return sorted(frames, key=lambda f: (f.generation, f.index))


def ballot_records(scene: Scene, blob: bytes) -> dict[bytes, bytes]:
    """Ballot rows of the poll found in raw pages: ballot id -> the stored choice bytes."""
    pattern = re.compile(
        b"(" + UUID + rb").{1,12}?" + re.escape(scene.poll_id.encode()) + rb'("[^"]{1,400}")',
        re.S,
    )
    return {m.group(1): m.group(2) for m in pattern.finditer(blob)}


def wal_attack(scene: Scene, wal: Path) -> dict[str, str]:
    """Group frames into transactions; a vote's command row and its ballot row that first
    appear in the same transaction belong together."""
    transaction = 0
    command_at: dict[str, int] = {}
    ballot_at: dict[bytes, tuple[int, bytes]] = {}
    for frame in wal_frames(wal):
        for command_id in scene.command_voter:
            if command_id.encode() in frame.page:
                command_at.setdefault(command_id, transaction)
        for ballot_id, choice in ballot_records(scene, frame.page).items():
            ballot_at.setdefault(ballot_id, (transaction, choice))
        if frame.commit:
            transaction += 1
    guess: dict[str, str] = {}
    for command_id, at in command_at.items():
        same = [c for t, c in ballot_at.values() if t == at]
        found = plaintext(scene, same[0].decode(errors="replace")) if len(same) == 1 else None
        if found is not None:
            guess[scene.command_voter[command_id]] = found
    return guess


def plaintext_ballots_in_files(scene: Scene, db_file: Path) -> list[bytes]:
    """Plaintext choices of the poll's ballots anywhere in the main file or its WAL."""
    found = []
    for path in (db_file, Path(f"{db_file}-wal")):
        if path.exists():
            records = ballot_records(scene, path.read_bytes()).values()
            found += [c for c in records if plaintext(scene, c.decode(errors="replace"))]
    return found


# -- attacks through SQL (a copy of the tables, with PostgreSQL's system columns) --------------


async def rows(conn: AsyncConnection, query: str, scene: Scene) -> list[Any]:
    return list(
        (await conn.execute(text(query), {"m": scene.meeting_id, "p": scene.poll_id})).all()
    )


async def voters_in_command_order(conn: AsyncConnection, scene: Scene) -> list[str]:
    """The voters in the order the command log numbered their votes."""
    logged = await rows(
        conn, "SELECT command_id FROM meeting_commands WHERE meeting_id = :m ORDER BY id", scene
    )
    return [scene.command_voter[c] for (c,) in logged if c in scene.command_voter]


async def row_order_attack(conn: AsyncConnection, scene: Scene) -> dict[str, str]:
    """Pair the k-th vote of the command log with the k-th ballot as stored (rowid if there
    is one, else the table's own order; the physical `ctid` order on PostgreSQL)."""
    order = "ctid" if conn.dialect.name == "postgresql" else "rowid"
    try:
        ballots = await rows(
            conn,
            f"SELECT choice FROM poll_ballots WHERE meeting_id = :m AND poll_id = :p "
            f"ORDER BY {order}",
            scene,
        )
    except DBAPIError:  # no rowid: the order the table hands the rows back in
        await conn.rollback()
        ballots = await rows(
            conn, "SELECT choice FROM poll_ballots WHERE meeting_id = :m AND poll_id = :p", scene
        )
    voters = await voters_in_command_order(conn, scene)
    guess = {}
    for pid, (choice,) in zip(voters, ballots, strict=False):
        found = plaintext(scene, choice)
        if found is not None:
            guess[pid] = found
    return guess


async def xmin_attack(conn: AsyncConnection, scene: Scene) -> dict[str, str]:
    """PostgreSQL: a ballot and a vote's command row written by the same transaction."""
    commands = await rows(
        conn, "SELECT xmin::text, command_id FROM meeting_commands WHERE meeting_id = :m", scene
    )
    voters = await rows(
        conn,
        "SELECT xmin::text, participant_id FROM poll_voters WHERE meeting_id = :m AND poll_id = :p",
        scene,
    )
    ballots = await rows(
        conn,
        "SELECT xmin::text, choice FROM poll_ballots WHERE meeting_id = :m AND poll_id = :p",
        scene,
    )
    by_xid: dict[str, set[str]] = {}
    for xid, command_id in commands:
        if command_id in scene.command_voter:
            by_xid.setdefault(xid, set()).add(scene.command_voter[command_id])
    for xid, pid in voters:
        by_xid.setdefault(xid, set()).add(pid)
    guess = {}
    for xid, choice in ballots:
        who = by_xid.get(xid, set())
        found = plaintext(scene, choice)
        same = [c for x, c in ballots if x == xid]
        if len(who) == 1 and len(same) == 1 and found is not None:
            guess[next(iter(who))] = found
    return guess


async def time_columns(conn: AsyncConnection) -> list[str]:
    """Columns that would date a vote's rows: none may exist for a timing attack to use."""
    tables = ("meeting_commands", "poll_voters", "poll_ballots")
    columns = await conn.run_sync(
        lambda c: [
            (t, col["name"], str(col["type"])) for t in tables for col in inspect(c).get_columns(t)
        ]
    )
    timed = re.compile(r"TIME|DATE|FLOAT|REAL|DOUBLE|NUMERIC", re.I)
    return [f"{t}.{name}" for t, name, type_ in columns if timed.search(type_)]


async def plaintext_ballots_in_tables(conn: AsyncConnection, scene: Scene) -> list[str]:
    stored = await rows(
        conn, "SELECT choice FROM poll_ballots WHERE meeting_id = :m AND poll_id = :p", scene
    )
    return [c for (c,) in stored if plaintext(scene, c) is not None]


# -- the scene ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secrecy_server(env: dict[str, str], demo: dict[str, Any], data_dir: Path) -> Iterator[str]:
    """A server of its own, its keys in a folder apart from the data folder."""
    keys = {"HSL_BALLOT_KEY_DIR": str(data_dir.parent / f"{data_dir.name}-keys")}
    proc = ServerProcess(env | keys, log=data_dir / "secrecy.log")
    yield proc.url
    proc.stop()


@pytest.fixture(scope="module")
async def secrecy_admin(secrecy_server: str, demo: dict[str, Any]) -> str:
    return await login_token(secrecy_server, demo["accounts"]["admin"])


@pytest.fixture(scope="module")
async def eight(secrecy_server: str, secrecy_admin: str) -> list[Person]:
    return await make_people(secrecy_server, secrecy_admin, PEOPLE)


@pytest.fixture
async def room(
    secrecy_server: str, secrecy_admin: str, eight: list[Person]
) -> AsyncIterator[PollMeeting]:
    meeting = await poll_meeting(secrecy_server, secrecy_admin, eight, title="青年路口袋公园选址会")
    yield meeting
    await disconnect_all(meeting)


async def open_secret_poll(moderator: Voter) -> tuple[dict[str, Any], dict[str, Any]]:
    """A secret single-choice poll, asked first with live counts: (that ack, the poll).

    Where live counts are allowed, that poll is the one voted on, for the tally attack."""
    data = {"question": "口袋公园建在哪里？", "kind": "single", "options": PLACES, "secret": True}
    shown = await moderator.user.send("poll.open", data | {"live_results": True})
    if shown["ok"]:
        await moderator.user.wait_for_seq(shown["seq"])
        return shown, moderator.user.events[shown["seq"]]["data"]
    return shown, await open_poll(moderator.user, **data)


async def voter_list(http: httpx.AsyncClient, token: str, scene: Scene) -> dict[str, Any]:
    r = await http.get(f"/api/meetings/{scene.meeting_id}/polls", headers=bearer(token))
    assert r.status_code == 200, r.text
    record: dict[str, Any] = next(p for p in r.json()["items"] if p["poll_id"] == scene.poll_id)
    return record


def votes_are(n: int) -> Callable[[dict[str, Any]], bool]:
    return lambda tally: bool(tally["votes"] == n)


async def cast_all(room: PollMeeting, server: str, moderator_token: str, scene: Scene) -> None:
    """Everyone votes in turn, one the kiosk way; after each vote the moderator diffs the
    live tally against the voter list, as someone at the console could."""
    moderator = room.moderator
    kiosk = room.voters[KIOSK_VOTER]
    checked = await moderator.user.send(
        "attendance.check_in", {"mode": "in_room", "participant_id": kiosk.participant_id}
    )
    assert checked["ok"], checked
    counts: dict[str, int] = {}
    seen: set[str] = set()
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        for turn, (index, pick) in enumerate(zip(VOTE_ORDER, PICKS, strict=True), 1):
            voter = room.voters[index]
            command_id = f"ballot-{uuid.uuid4().hex}"
            scene.command_voter[command_id] = voter.participant_id
            if index == KIOSK_VOTER:
                unlock = {"poll_id": scene.poll_id, "participant_id": voter.participant_id}
                assert (await moderator.user.send("kiosk.unlock", unlock))["ok"]
                data = {"poll_id": scene.poll_id, "choice": pick}
                data["on_behalf_of"] = voter.participant_id
                ack = await moderator.user.send("vote.cast", data, id_=command_id)
            else:
                ack = await voter.vote(scene.poll_id, pick, id_=command_id)
            assert ack["ok"], ack
            assert set(ack) == {"ok", "seq"}  # an ack says nothing of the choice
            tally = await moderator.wait_tally(scene.poll_id, votes_are(turn))
            record = await voter_list(http, moderator_token, scene)
            assert record["result"] is None and record["turnout"] == turn
            who = {v["participant_id"] for v in record["voters"]} - seen
            seen |= who
            now = tally["counts"] or {}
            rose = [o for o, n in now.items() if n > counts.get(o, 0)]
            counts = dict(now)
            if len(who) == 1 and len(rose) == 1:
                scene.tally_guess[next(iter(who))] = rose[0]


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    return Path(url.database) if url.drivername.startswith("sqlite") and url.database else None


async def run_attacks(scene: Scene, database_url: str, *, open_: bool) -> dict[str, int]:
    """Each attack's number of voters it names the right choice for."""
    results: dict[str, int] = {}
    db_file = sqlite_file(database_url)
    if db_file is not None:
        results["wal frame order"] = scene.right(wal_attack(scene, Path(f"{db_file}-wal")))
        if open_:
            results["plaintext in db files"] = len(plaintext_ballots_in_files(scene, db_file))
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            results["row order / rowid vs command log"] = scene.right(
                await row_order_attack(conn, scene)
            )
            if conn.dialect.name == "postgresql":
                results["xmin"] = scene.right(await xmin_attack(conn, scene))
            if open_:
                results["plaintext in tables"] = len(await plaintext_ballots_in_tables(conn, scene))
                assert await time_columns(conn) == [], "a vote's rows carry a time"
    finally:
        await engine.dispose()
    return results


async def test_no_linking_attack_beats_chance_while_open_or_after_the_close(
    room: PollMeeting, secrecy_server: str, secrecy_admin: str, database_url: str, data_dir: Path
) -> None:
    live_counts, opened = await open_secret_poll(room.moderator)
    truth = {room.voters[i].participant_id: pick for i, pick in zip(VOTE_ORDER, PICKS, strict=True)}
    scene = Scene(room.meeting_id, opened["poll_id"], truth, {})
    # The truth is no ordering anyone could guess without the files: the voters in the order
    # they voted, or by their ids, paired with the options in order or reversed.
    voted = [room.voters[i].participant_id for i in VOTE_ORDER]
    by_id = sorted(truth, key=int)
    for order in (voted, by_id):
        for options in (sorted(scene.options), sorted(scene.options, reverse=True)):
            assert scene.right(dict(zip(order, options, strict=True))) <= CHANCE

    await cast_all(room, secrecy_server, secrecy_admin, scene)
    # A client that joins again gets the same: how many have voted, no counts.
    rejoined = await room.voters[1].user.join(room.meeting_id)
    tallies = [t for t in rejoined["tallies"] if t["poll_id"] == scene.poll_id]
    assert tallies == [{"poll_id": scene.poll_id, "votes": 8, "version": 8, "counts": None}]
    while_open = await run_attacks(scene, database_url, open_=True)
    key_id = await key_of(database_url, scene.meeting_id, scene.poll_id)
    keys = KeyPlace(data_dir.parent / f"{data_dir.name}-keys", None)
    assert key_id is not None and await keys.holds(key_id)  # HSL_BALLOT_KEY_DIR
    closed = await close_poll(room.moderator.user, scene.poll_id)
    assert closed["result"]["counts"] == dict.fromkeys(sorted(scene.options), 1)
    assert closed["result"]["votes"] == 8 and closed["named"] is None
    assert await keys.destroyed(key_id)
    after_close = await run_attacks(scene, database_url, open_=False)

    while_open["tally diffs vs voter list"] = scene.right(scene.tally_guess)
    readable = {
        "in tables": while_open.pop("plaintext in tables"),
        "in db files": while_open.pop("plaintext in db files", 0),
    }
    linked = {
        f"{when}: {attack}": right
        for when, found in (("open", while_open), ("closed", after_close))
        for attack, right in found.items()
        if right > CHANCE
    }
    assert not linked, f"attacks that link secret ballots to voters: {linked}"
    assert readable == {"in tables": 0, "in db files": 0}, (
        f"choices readable while open: {readable}"
    )
    assert not live_counts["ok"], "a secret poll must not show live counts"
    refusal = live_counts["error"]
    assert refusal["code"] == "invalid" and "无记名表决不能显示实时结果" in refusal["message"]

    # Nor does the server log name a choice next to anyone.
    log = (data_dir / "secrecy.log").read_text(errors="replace")
    assert not re.search(r'"choice"|vote\.accepted', log)


# -- the key's life, and a crash --------------------------------------------------------------


async def key_of(database_url: str, meeting_id: int, poll_id: str) -> str | None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = "SELECT key_id FROM polls WHERE meeting_id = :m AND poll_id = :p"
            found = await conn.execute(text(query), {"m": meeting_id, "p": poll_id})
            key_id: str | None = found.scalar_one()
            return key_id
    finally:
        await engine.dispose()


@dataclass
class KeyPlace:
    """Where a server keeps its poll keys: files under the data folder, or Redis."""

    folder: Path
    redis_url: str | None

    async def holds(self, key_id: str) -> bool:
        if self.redis_url is None:
            return await asyncio.to_thread((self.folder / f"{key_id}.key").exists)
        client = aioredis.from_url(self.redis_url)
        try:
            return bool(await client.exists(f"hsl:ballot-key:{key_id}"))
        finally:
            await client.aclose()

    async def destroyed(self, key_id: str) -> bool:
        """Whether the key is gone within 10 s of the close (it goes after the commit)."""
        for _ in range(100):
            if not await self.holds(key_id):
                return True
            await asyncio.sleep(0.1)
        return False


@pytest.mark.parametrize("store", ["files", "redis"])
async def test_every_acked_secret_vote_survives_a_crash_and_counts_once(
    store: str,
    env: dict[str, str],
    data_dir: Path,
    database_url: str,
    secrecy_admin: str,
    eight: list[Person],
) -> None:
    people = eight[:6]
    place = KeyPlace(data_dir / "ballot-keys", REDIS_URL if store == "redis" else None)
    if place.redis_url is not None:
        env = env | {"HSL_REDIS_URL": place.redis_url}
    first = ServerProcess(env, log=data_dir / f"crash-{store}-before.log")
    try:
        room = await poll_meeting(first.url, secrecy_admin, people, title="滨河村垃圾分类点协商会")
        opened = await open_poll(
            room.moderator.user,
            question="是否同意新设垃圾分类点？",
            kind="yes_no_abstain",
            secret=True,
        )
        pid = opened["poll_id"]
        key_id = await key_of(database_url, room.meeting_id, pid)
        assert key_id is not None
        assert await place.holds(key_id)  # outside the database, durable before the open
        choices = ["yes", "no", "yes", "abstain", "yes"]
        acks = await asyncio.gather(
            *(
                v.vote(pid, c, id_=f"crash-{i}")
                for i, (v, c) in enumerate(zip(room.voters, choices, strict=False))
            )
        )
        assert all(a["ok"] for a in acks), acks
    finally:
        first.proc.kill()  # SIGKILL: no shutdown, no flush, nothing of the process survives
        first.proc.wait(timeout=10)
        first.stop()
    await disconnect_all(room)

    second = ServerProcess(env, log=data_dir / f"crash-{store}-after.log")
    try:
        again = await rejoin(second.url, room, people)
        moderator = again[0]
        # A retry of an acked vote is answered as before and not counted again; a second
        # vote of the same voter is refused; the one who had not voted still can.
        assert await again[1].vote(pid, "no", id_="crash-1") == acks[1]
        twice = await again[2].vote(pid, "no")
        assert twice["error"]["code"] == "conflict" and "已经投过票" in twice["error"]["message"]
        assert (await again[5].vote(pid, "no"))["ok"]
        tally = await moderator.wait_tally(pid, lambda t: t["votes"] == 6)
        assert tally["counts"] is None
        closed = await close_poll(moderator.user, pid)
        assert closed["result"]["counts"] == {"yes": 3, "no": 2, "abstain": 1}
        assert closed["result"]["votes"] == 6
        assert sorted(closed["voters"]) == sorted(v.participant_id for v in again)
        assert await place.destroyed(key_id)
        for voter in again:
            await voter.user.client.disconnect()
    finally:
        second.stop()


async def test_without_its_key_a_secret_poll_takes_no_vote_and_no_close_until_restored(
    env: dict[str, str],
    data_dir: Path,
    database_url: str,
    secrecy_admin: str,
    eight: list[Person],
) -> None:
    people = eight[:4]
    first = ServerProcess(env, log=data_dir / "lost-key-before.log")
    try:
        room = await poll_meeting(first.url, secrecy_admin, people, title="丰收村文化礼堂协商会")
        opened = await open_poll(
            room.moderator.user,
            question="是否同意礼堂夜间开放？",
            kind="yes_no_abstain",
            secret=True,
        )
        pid = opened["poll_id"]
        for voter, choice in zip(room.voters[:2], ["yes", "no"], strict=True):
            assert (await voter.vote(pid, choice))["ok"]
        await disconnect_all(room)
    finally:
        first.stop()
    key_id = await key_of(database_url, room.meeting_id, pid)
    key_file = data_dir / "ballot-keys" / f"{key_id}.key"
    aside = key_file.with_suffix(".aside")
    key_file.rename(aside)  # the key store lost it (a wiped folder, a restore without it)

    second = ServerProcess(env, log=data_dir / "lost-key-after.log")
    try:
        again = await rejoin(second.url, room, people)
        refused = await again[2].vote(pid, "yes")
        assert refused["error"]["code"] == "conflict"
        assert "密钥不可用" in refused["error"]["message"]
        close = await again[0].user.send("poll.close", {"poll_id": pid})
        assert close["error"]["code"] == "conflict" and "恢复密钥" in close["error"]["message"]
        joined = await again[0].user.join(room.meeting_id)
        poll = next(p for p in joined["snapshot"]["polls"] if p["poll_id"] == pid)
        assert poll["status"] == "open"  # nothing was lost: the sealed ballots wait

        aside.rename(key_file)  # restored from the backup
        assert (await again[2].vote(pid, "yes"))["ok"]
        closed = await close_poll(again[0].user, pid)
        assert closed["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 0}
        for voter in again:
            await voter.user.client.disconnect()
    finally:
        second.stop()


async def rejoin(server: str, room: PollMeeting, people: list[Person]) -> list[Voter]:
    """The room's voters connected again, to another server process, in the same order."""
    tokens = {p.name: p.token for p in people}
    again = []
    for voter in room.voters:
        user = await connect_user(server, tokens[voter.user.name], voter.user.name)
        user.participant_id = voter.participant_id
        await user.join(room.meeting_id)
        again.append(Voter(user))
    return again


async def test_a_secret_poll_does_not_open_when_its_key_cannot_be_stored(
    env: dict[str, str], data_dir: Path, secrecy_admin: str, eight: list[Person]
) -> None:
    blocked = data_dir / "not-a-folder"
    blocked.write_text("这里应该是一个文件夹")
    broken = env | {"HSL_BALLOT_KEY_DIR": str(blocked / "keys")}
    server = ServerProcess(broken, log=data_dir / "no-key-store.log")
    try:
        room = await poll_meeting(server.url, secrecy_admin, eight[:3], title="西塘村水塘整治会")
        data = {"question": "是否同意清淤方案？", "kind": "yes_no_abstain", "secret": True}
        refused = await room.moderator.user.send("poll.open", data)
        assert refused["error"]["code"] == "conflict"
        assert "密钥未能保存，表决没有开始" in refused["error"]["message"]
        joined = await room.moderator.user.join(room.meeting_id)
        assert joined["snapshot"]["polls"] == []  # nothing opened, nothing to vote on
        named = await open_poll(room.moderator.user, **(data | {"secret": False}))
        assert (await room.voters[1].vote(named["poll_id"], "yes"))["ok"]
        await disconnect_all(room)
    finally:
        server.stop()
