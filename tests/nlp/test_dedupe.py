"""Near-duplicate suggestions: reworded and copied suggestions are grouped with their
similarity; different ones are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.dedupe import (
    DEFAULT_THRESHOLD,
    canonical,
    find_duplicates,
    naming_difference,
    pair_similarities,
    text_similarity,
)

TEXTS = [
    "投诉伊景园滨河苑捆绑销售车位问题",  # 0
    "小区门口的路灯坏了半个月，晚上出行很危险",  # 1
    "投诉A市伊景园滨河苑捆绑车位销售",  # 2
    "建议在村口设置公交站台，方便老人出行",  # 3
    "反对在诺亚山林小区门口设置医院",  # 4
    "坚决反对在诺亚山林小区门口设立医院",  # 5
    "垃圾分类宣传不到位，居民不知道怎么分类",  # 6
    "小区门口路灯坏了半个月了，晚上出行很危险！",  # 7
    "村里的自来水水压太低，高层用户用不上水",  # 8
]


def test_reworded_suggestions_are_grouped_with_their_similarity() -> None:
    groups = find_duplicates(TEXTS)
    assert sorted(sorted(g.members) for g in groups) == [[0, 2], [1, 7], [4, 5]]
    for group in groups:
        assert group.similarity[0] == 1.0
        assert 0.6 <= group.similarity[1] <= 1.0


def test_different_suggestions_are_never_grouped() -> None:
    grouped = {m for g in find_duplicates(TEXTS) for m in g.members}
    assert not grouped & {3, 6, 8}


def test_three_copies_make_one_group_centred_on_the_most_typical() -> None:
    texts = ["路灯不亮，晚上很黑", "路灯不亮了，晚上很黑", "路灯不亮，晚上很黑！", "公交车太少"]
    groups = find_duplicates(texts)
    assert len(groups) == 1
    assert sorted(groups[0].members) == [0, 1, 2]
    assert groups[0].similarity == sorted(groups[0].similarity, reverse=True)


def test_a_lower_threshold_groups_more() -> None:
    strict = find_duplicates(TEXTS, threshold=0.95)
    loose = find_duplicates(TEXTS, threshold=0.3)
    assert sum(len(g.members) for g in strict) < sum(len(g.members) for g in loose)


def test_similarity_of_two_texts() -> None:
    same = text_similarity("小区停车难", "小区停车难")
    related = text_similarity("投诉伊景园滨河苑捆绑销售车位", "伊景园滨河苑捆绑车位销售问题")
    unrelated = text_similarity("小区停车难", "学校食堂饭菜太贵")
    assert same == 1.0
    assert 0.5 < related < 1.0
    assert unrelated == 0.0
    assert text_similarity("路灯坏了", "路灯坏了！") == text_similarity("路灯坏了！", "路灯坏了")


def test_bad_input_gives_sensible_results() -> None:
    assert find_duplicates([]) == []
    assert find_duplicates(["只有一条"]) == []
    assert find_duplicates(["", "", "😀"]) == []
    assert find_duplicates(["😀😀", "😀😀", "路灯坏了"]) == []
    huge = "小区停车难，车位太少。" * 5000
    assert [g.members for g in find_duplicates([huge, huge + "！", "公交站太远"])] == [[0, 1]]
    with pytest.raises(ValueError):
        find_duplicates(TEXTS, threshold=0.0)


# -- places, people, numbers and paraphrases ---------------------------------------------------


def test_the_same_request_for_two_villages_people_or_amounts_is_no_duplicate() -> None:
    texts = [
        "东湖村的路灯坏了，晚上出行很危险",  # 0
        "西湖村的路灯坏了，晚上出行很危险",  # 1
        "反映村会计张明亮账目不公开",  # 2
        "反映村会计刘明亮账目不公开",  # 3
        "加装电梯每户补贴2000元太少",  # 4
        "加装电梯每户补贴5000元太少",  # 5
        "东湖村的路灯坏了，晚上出行很危险！",  # 6: the same as 0
    ]
    assert [sorted(g.members) for g in find_duplicates(texts)] == [[0, 6]]
    assert naming_difference(texts[0], texts[1]) == "place"
    assert naming_difference(texts[2], texts[3]) == "person"
    assert naming_difference(texts[4], texts[5]) == "number"
    assert naming_difference(texts[0], texts[6]) is None
    assert text_similarity(texts[0], texts[1]) < 0.5


def test_a_paraphrase_from_the_synonym_table_is_a_duplicate() -> None:
    assert canonical("小区车位不够") == canonical("小区停车难")
    assert text_similarity("小区停车难", "小区车位不够") >= 0.6
    groups = find_duplicates(["我们小区停车难", "学校食堂饭菜太贵", "我们小区车位严重不足"])
    assert [sorted(g.members) for g in groups] == [[0, 2]]


def _labelled_pairs() -> list[tuple[bool, str, str, str]]:
    path = Path(__file__).parent / "data" / "duplicate_pairs.tsv"
    lines = [
        line.split("\t")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [(label == "1", kind, a, b) for label, kind, a, b in lines[1:]]


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    pairs = _labelled_pairs()
    assert len(pairs) >= 200
    texts = [t for _, _, a, b in pairs for t in (a, b)]
    similarity = pair_similarities(texts, [(2 * n, 2 * n + 1) for n in range(len(pairs))])
    flagged = [s >= DEFAULT_THRESHOLD for s in similarity]
    same = [p[0] for p in pairs]
    true_positives = sum(f and s for f, s in zip(flagged, same, strict=True))
    precision = true_positives / sum(flagged)
    recall = true_positives / sum(same)
    assert precision >= 0.9, precision
    assert recall >= 0.8, recall
    for (_, kind, a, b), f in zip(pairs, flagged, strict=True):
        if kind in ("place", "person", "number"):
            assert not f, (a, b)
