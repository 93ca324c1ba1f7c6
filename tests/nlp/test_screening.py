"""Screening hints (第十一条): disputes, lawsuits, settled and agreed matters are flagged
with the words that raised the flag; everything else passes without a hint."""

from __future__ import annotations

from nlp.screening import HINT_KINDS, screen_topic


def kinds(text: str) -> dict[str, list[str]]:
    return {hint.kind: hint.triggers for hint in screen_topic(text)}


def test_an_individual_dispute_is_flagged_with_its_words() -> None:
    found = kinds("我家和隔壁邻居因为宅基地纠纷吵了三年，请协商议事室给评评理")
    assert found["individual_dispute"] == ["宅基地纠纷", "我家和"]


def test_a_lawsuit_is_flagged() -> None:
    found = kinds("我已经向法院起诉了开发商，判决下来后对方一直不执行")
    assert set(found["litigation"]) >= {"法院", "起诉", "判决"}


def test_a_matter_settled_by_law_or_policy_is_flagged() -> None:
    found = kinds("根据《中华人民共和国道路交通安全法》，电动自行车驾驶人应当佩戴头盔")
    assert found == {"settled_by_policy": ["《中华人民共和国道路交通安全法》"]}
    assert "settled_by_policy" in kinds("上级文件已有明确规定，村级不得自行收取卫生费")


def test_an_agreed_matter_is_flagged_but_not_an_open_one() -> None:
    assert "already_agreed" in kinds("全体业主已经达成一致，同意加装电梯")
    assert kinds("加装电梯的费用分摊，各方尚未达成一致") == {}
    assert kinds("目前没有明确规定，村民意见分歧大") == {}


def test_ordinary_topics_get_no_hint() -> None:
    for topic in [
        "关于改善老旧小区停车难问题的协商",
        "如何推进农村人居环境整治和垃圾分类",
        "社区居家养老服务中心的运营和老年食堂建设",
    ]:
        assert screen_topic(topic) == []


def test_every_hint_explains_itself_in_chinese() -> None:
    hints = screen_topic("邻里纠纷打官司，法院已经判决，双方已经达成一致，法律规定如此")
    assert [h.kind for h in hints] == list(HINT_KINDS)
    for hint in hints:
        assert "第十一条" in hint.message
        assert hint.triggers


def test_bad_input_gives_no_hint_and_no_error() -> None:
    for text in ["", "   ", "😀😀😀", "\x00\x01", "Lawsuit about 起訴 法院"]:
        assert isinstance(screen_topic(text), list)
    assert kinds("Lawsuit about 起訴 法院")["litigation"] == ["起诉", "法院"]
    assert screen_topic("好" * 200_000) == []


def test_public_work_on_petitions_and_courts_is_no_lawsuit() -> None:
    for topic in [
        "加强对信访工作的监督",
        "完善基层信访工作机制，及时回应群众诉求",
        "推进诉讼服务中心建设，方便群众办事",
        "建议律师进社区，为居民提供法律咨询",
        "规范仲裁机构收费",
    ]:
        assert "litigation" not in kinds(topic), topic


def test_one_persons_petition_is_still_flagged() -> None:
    assert kinds("我多次上访无果，要求政府赔偿")["litigation"] == ["多次上访", "上访无果"]
    assert "litigation" in kinds("本人信访多年，问题一直没有解决")
