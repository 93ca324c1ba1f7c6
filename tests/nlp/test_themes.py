"""Suggestion themes: clustering without k, labels and centrality, live assignment, staff
edits that survive re-clustering, and the modularity clustering underneath."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from nlp.themes import (
    EMPTY_THEME_KEY,
    UNSORTED_THEME_KEY,
    StaffEdits,
    Suggestion,
    Theme,
    cluster_themes,
    louvain,
    merge,
    move,
    rename,
    split,
)

PARKING = [
    "小区停车位太少，晚上回家找不到地方停车",
    "我们小区车位紧张，很多车只能停在消防通道上",
    "建议利用小区空地增设停车位，缓解停车难",
    "小区停车难问题突出，电动车和汽车抢车位",
]
BUS = [
    "村里没有公交车，老人去镇上看病出行很不方便",
    "建议开通村到镇上的公交线路，方便老人出行",
    "公交车班次太少，村民出行要等一个多小时",
    "希望在村口设置公交站台，方便村民乘坐公交车",
]
GARBAGE = [
    "垃圾分类宣传不到位，很多居民不知道怎么分类",
    "小区垃圾桶太少，垃圾分类投放点经常满溢",
    "建议社区加强垃圾分类指导，安排志愿者值守投放点",
    "垃圾分类后的垃圾清运不及时，夏天气味很大",
]
TOPICS = {"parking": PARKING, "bus": BUS, "garbage": GARBAGE}


def suggestions() -> list[Suggestion]:
    rows = []
    for name, texts in TOPICS.items():
        rows += [Suggestion(f"{name}-{n}", text) for n, text in enumerate(texts)]
    return rows


def topic_of(suggestion_id: str) -> str:
    return suggestion_id.split("-")[0]


def by_key(themes: list[Theme]) -> dict[str, Theme]:
    return {t.key: t for t in themes}


def test_suggestions_on_three_subjects_make_three_themes() -> None:
    themes = cluster_themes(suggestions()).themes()
    groups = sorted(sorted(t.members) for t in themes)
    expected = sorted(sorted(f"{name}-{n}" for n in range(4)) for name in TOPICS)
    assert groups == expected


def test_every_suggestion_is_in_exactly_one_theme() -> None:
    rows = suggestions()
    themes = cluster_themes(rows).themes()
    members = Counter(m for t in themes for m in t.members)
    assert set(members) == {s.id for s in rows}
    assert set(members.values()) == {1}
    assert all(t.size == len(t.members) for t in themes)


def test_themes_have_keywords_a_label_and_members_by_centrality() -> None:
    themes = cluster_themes(suggestions()).themes()
    garbage = next(t for t in themes if topic_of(t.members[0]) == "garbage")
    assert "垃圾分类" in garbage.keywords
    assert "垃圾分类" in garbage.label
    assert garbage.representative in [s for s in GARBAGE]
    assert garbage.centrality == sorted(garbage.centrality, reverse=True)
    assert 0.0 < garbage.centrality[-1] <= garbage.centrality[0] <= 1.0


def test_suggestions_without_words_share_one_theme() -> None:
    rows = [*suggestions(), Suggestion("e1", "😀😀"), Suggestion("e2", ""), Suggestion("e3", "123")]
    themes = cluster_themes(rows).themes()
    assert themes[-1].key == EMPTY_THEME_KEY
    assert sorted(themes[-1].members) == ["e1", "e2", "e3"]


def test_no_suggestions_no_themes_and_the_first_arrival_starts_one() -> None:
    index = cluster_themes([])
    assert index.themes() == []
    placed = index.assign(Suggestion("a", "路灯坏了很久没人修"))
    assert placed.new_theme
    assert [t.members for t in index.themes()] == [["a"]]


def test_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        cluster_themes([Suggestion("1", "路灯坏了"), Suggestion("1", "路灯不亮")])


def test_a_new_suggestion_joins_its_theme_or_starts_one() -> None:
    index = cluster_themes(suggestions())
    parking_key = index.theme_of("parking-0")
    joined = index.assign(Suggestion("n1", "小区里停车位不够，晚上停车太难了"))
    assert joined.theme_key == parking_key
    assert not joined.new_theme
    assert joined.similarity >= index.join_threshold
    alone = index.assign(Suggestion("n2", "图书馆开放时间太短，周末借书不方便"))
    assert alone.new_theme
    assert alone.theme_key not in {index.theme_of(s.id) for s in suggestions()}
    assert "n1" in by_key(index.themes())[parking_key].members
    with pytest.raises(ValueError):
        index.assign(Suggestion("n1", "重复的编号"))


def test_a_moved_suggestion_stays_moved_after_reclustering() -> None:
    rows = suggestions()
    first = cluster_themes(rows)
    bus_key = first.theme_of("bus-0")
    edits = move(StaffEdits(), first.themes(), "parking-3", bus_key)
    first.apply(edits)
    assert first.theme_of("parking-3") == bus_key
    again = cluster_themes(rows, edits)
    assert again.theme_of("parking-3") == bus_key
    assert again.theme_of("bus-0") == bus_key


def test_merged_themes_stay_merged_and_renamed_themes_keep_their_name() -> None:
    rows = suggestions()
    themes = cluster_themes(rows).themes()
    parking = next(t for t in themes if topic_of(t.members[0]) == "parking")
    bus = next(t for t in themes if topic_of(t.members[0]) == "bus")
    edits = merge(StaffEdits(), themes, [parking.key, bus.key])
    merged = by_key(cluster_themes(rows, edits).themes())[parking.key]
    edits = rename(edits, merged, "交通出行")
    merged = by_key(cluster_themes(rows, edits).themes())[parking.key]
    assert sorted(merged.members) == sorted(parking.members + bus.members)
    assert merged.label == "交通出行"
    assert len(cluster_themes(rows, edits).themes()) == 2


def test_a_split_theme_stays_split_and_newcomers_still_join() -> None:
    rows = suggestions()
    themes = cluster_themes(rows).themes()
    garbage = next(t for t in themes if topic_of(t.members[0]) == "garbage")
    edits = split(StaffEdits(), garbage, [["garbage-1", "garbage-3"]])
    index = cluster_themes(rows, edits)
    assert index.theme_of("garbage-1") == index.theme_of("garbage-3") == f"{garbage.key}.1"
    assert index.theme_of("garbage-0") == index.theme_of("garbage-2") == garbage.key
    placed = index.assign(Suggestion("n", "小区垃圾分类宣传太少，居民不懂怎么分类"))
    assert placed.theme_key in {garbage.key, f"{garbage.key}.1"}


def test_louvain_finds_two_groups_and_keeps_locked_nodes_apart() -> None:
    # two triangles joined by one weak link
    edges = [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0)]
    edges.append((2, 3, 0.1))
    rows = [a for a, b, _ in edges] + [b for a, b, _ in edges]
    cols = [b for a, b, _ in edges] + [a for a, b, _ in edges]
    weights = [w for *_, w in edges] * 2
    graph = sp.csr_matrix((weights, (rows, cols)), shape=(6, 6))
    free = louvain(graph)
    assert len(set(free[:3])) == 1 and len(set(free[3:])) == 1 and free[0] != free[3]
    locked = louvain(graph, locks=[0, 1, -1, -1, -1, -1])
    assert locked[0] != locked[1]
    assert louvain(sp.csr_matrix((3, 3))).tolist() == [0, 1, 2]


def _shared_messages(name: str) -> Path:
    shared = Path(
        os.environ.get("HSL_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared"
    )
    return shared / "data" / "tipdm2020c" / name


def _labelled_messages() -> list[dict[str, str]]:
    path = _shared_messages("messages_labelled.jsonl")
    if not path.exists():
        pytest.skip("the shared tipdm2020c data is not here")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_citizens_messages_cluster_into_a_readable_number_of_themes_that_match_labels() -> None:
    from sklearn.metrics import adjusted_rand_score

    records = _labelled_messages()
    rows = [Suggestion(r["id"], f"{r['title']}\n{r['text']}") for r in records]
    themes = cluster_themes(rows).themes()
    predicted = {m: n for n, t in enumerate(themes) for m in t.members}
    ari = adjusted_rand_score([r["label"] for r in records], [predicted[r["id"]] for r in records])
    assert 3 <= len(themes) <= 40
    assert sum(t.size for t in themes if t.size == 1) < len(rows) * 0.05
    assert ari > 0.2
    assert np.mean([len(t.keywords) for t in themes]) >= 3


# -- names, generic words and the left-overs ------------------------------------------------

TAXI = [
    "出租车司机服务态度差，经常拒载乘客",
    "反映出租车司机服务不规范，绕路多收费",
    "出租车司机服务意识淡薄，车内吸烟",
    "投诉出租车司机服务问题，请市政府加快整治",
]


def test_a_theme_is_named_by_a_phrase_from_its_members_not_by_joined_keywords() -> None:
    rows = [*suggestions(), *(Suggestion(f"taxi-{n}", t) for n, t in enumerate(TAXI))]
    themes = cluster_themes(rows).themes()
    taxi = next(t for t in themes if topic_of(t.members[0]) == "taxi")
    assert taxi.label == "出租车司机服务问题"
    for theme in themes:
        assert "、" not in theme.label
        assert len(theme.label) <= 16
        core = theme.label.removesuffix("问题")
        members = [s.text for s in rows if s.id in theme.members]
        assert any(core in text for text in members), (theme.label, members)


def test_generic_government_words_name_no_theme_and_join_no_suggestions() -> None:
    generic = [
        "请市政府加快推进人民群众关心的工作",
        "希望市委市政府加快为人民办实事",
        "政府要加快落实惠及人民的政策",
    ]
    rows = [*suggestions(), *(Suggestion(f"gov-{n}", t) for n, t in enumerate(generic))]
    themes = cluster_themes(rows).themes()
    for theme in themes:
        for word in ("政府", "市委", "人民", "加快"):
            assert word not in theme.label
            assert word not in theme.keywords
    parking = next(t for t in themes if "parking-0" in t.members)
    assert not any(m.startswith("gov") for m in parking.members)


def test_suggestions_like_no_other_are_gathered_as_unsorted() -> None:
    strays = [
        "图书馆周末闭馆，借书很麻烦",
        "菜市场的秤不准，缺斤短两",
        "河边的护栏生锈断了，孩子玩耍有危险",
    ]
    rows = [*suggestions(), *(Suggestion(f"stray-{n}", t) for n, t in enumerate(strays))]
    index = cluster_themes(rows)
    themes = index.themes()
    unsorted = by_key(themes)[UNSORTED_THEME_KEY]
    assert unsorted.label == "待归类"
    assert sorted(unsorted.members) == ["stray-0", "stray-1", "stray-2"]
    assert themes[-1].key == UNSORTED_THEME_KEY
    assert all(t.size > 1 for t in themes)
    # a newcomer joins a real theme or starts its own, never the left-overs
    placed = index.assign(Suggestion("n1", "菜市场的秤缺斤短两，消费者吃亏"))
    assert placed.theme_key != UNSORTED_THEME_KEY


def test_a_thousand_titles_make_few_themes_of_one_each_named_by_a_phrase() -> None:
    unlabelled = _shared_messages("messages_unlabelled.jsonl")
    if not unlabelled.exists():
        pytest.skip("the shared tipdm2020c data is not here")
    lines = unlabelled.read_text(encoding="utf-8").splitlines()[:1000]
    rows = [Suggestion(str(n), json.loads(line)["title"]) for n, line in enumerate(lines)]
    themes = cluster_themes(rows).themes()
    alone = [t for t in themes if t.size == 1 and t.key != EMPTY_THEME_KEY]
    assert len(alone) <= len(themes) * 0.1
    unsorted = sum(t.size for t in themes if t.key == UNSORTED_THEME_KEY)
    assert unsorted <= len(rows) * 0.1
    for theme in themes:
        if theme.key in (EMPTY_THEME_KEY, UNSORTED_THEME_KEY):
            continue
        assert "、" not in theme.label and len(theme.label) <= 16
        for word in ("政府", "市委", "人民", "加快"):
            assert word not in theme.label
