"""The shared text pipeline: normalisation, segmentation with our dictionary, sentences."""

from __future__ import annotations

from nlp.text import Tokenizer, default_tokenizer, normalize, split_sentences


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalize("ＡＢＣ１２３号楼") == "ABC123号楼"


def test_traditional_characters_become_simplified() -> None:
    assert normalize("協商議事會討論了停車問題") == "协商议事会讨论了停车问题"


def test_chinese_punctuation_is_kept_and_english_marks_after_chinese_unified() -> None:
    assert normalize("路灯坏了，请修理！") == "路灯坏了，请修理！"
    assert normalize("路灯坏了,请修理!!") == "路灯坏了，请修理！！"
    assert normalize("会议10:30开始") == "会议10:30开始"


def test_whitespace_is_tidied_and_invisible_characters_dropped() -> None:
    assert (
        normalize("  小区\u200b 门口\t\t有  积水 \r\n\r\n\n请 处理  ") == "小区门口有积水\n请处理"
    )
    assert normalize("") == ""
    assert normalize("Wi-Fi   signal  很差") == "Wi-Fi signal 很差"


def test_domain_terms_stay_whole() -> None:
    tokens = default_tokenizer().cut("有事好商量协商议事室讨论垃圾分类和老旧小区改造")
    for term in ("有事好商量", "协商议事室", "垃圾分类", "老旧小区改造"):
        assert term in tokens


def test_words_drop_stop_words_punctuation_and_numbers() -> None:
    words = default_tokenizer().words("我们希望村里的路灯在2024年尽快修好！！")
    assert "路灯" in words
    for noise in ("我们", "希望", "的", "！", "2024", "年", "尽快"):
        assert noise not in words


def test_words_keep_meaningful_single_characters_and_lower_case_latin() -> None:
    words = default_tokenizer().words("停水停电，WiFi也没有，水费还涨了")
    assert "wifi" in words
    assert "水费" in words


def test_added_words_are_kept_whole_only_by_that_tokenizer() -> None:
    place = "麋鹿湾社区"
    mine = Tokenizer()
    mine.add_words([place, "", "含 空格"])
    assert place in mine.cut(f"{place}的路灯不亮")
    assert place not in default_tokenizer().cut(f"{place}的路灯不亮")


def test_the_default_tokenizer_is_built_once() -> None:
    assert default_tokenizer() is default_tokenizer()


def test_bad_input_gives_sensible_results() -> None:
    tokenizer = default_tokenizer()
    assert tokenizer.words("") == []
    assert tokenizer.words("😀😀👍🎉") == []
    assert tokenizer.words("\x00\x01\x02\ufffd") == []
    assert tokenizer.words("The bus stop 公交站台 is too far") == [
        "bus",
        "stop",
        "公交站台",
        "too",
        "far",
    ]
    huge = "小区停车难，" * 20000
    assert tokenizer.words(huge).count("停车难") == 20000


def test_sentences_keep_their_end_marks() -> None:
    text = "路灯坏了。什么时候修？请尽快！大家都很着急……“谁来管”？\n第二段没有句号"
    assert split_sentences(text) == [
        "路灯坏了。",
        "什么时候修？",
        "请尽快！",
        "大家都很着急……",
        "“谁来管”？",
        "第二段没有句号",
    ]


def test_sentences_of_nothing() -> None:
    assert split_sentences("") == []
    assert split_sentences("\n\n  \n") == []
    assert split_sentences("没有标点的一句话") == ["没有标点的一句话"]
