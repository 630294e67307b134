"""List answers: enumerations and heading lists found in an article, chosen for the question, cited item by item."""

from __future__ import annotations

import pytest
from fakes import ListStore

from rag.answer import AnswerSettings, QuestionInfo
from rag.answer.lists import choose_group, list_answer
from rag.answer.structure import counted_sections, enumerations, heading_lists, ordinal_end
from rag.types import Chunk, Document, Hit

SHI = (
    "针对短板，提出以下建议。一是加快战略转型，实现整体转变。二是统筹全链创新，推进衔接贯通。"
    "三是强化企业作用，加强网络构建。"
)


def _items(text, groups):
    return [[text[s:e] for s, e in g.items] for g in groups]


def test_an_enumeration_is_found_with_its_lead():
    (group,) = enumerations(SHI)
    assert _items(SHI, [group]) == [
        ["一是加快战略转型，实现整体转变。", "二是统筹全链创新，推进衔接贯通。", "三是强化企业作用，加强网络构建。"]
    ]
    assert SHI[group.lead[0] : group.lead[1]] == "针对短板，提出以下建议。"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("苗圩：骗补可以归纳为3类。第一类是有牌无车。第二类是有车无电池。第三类是车辆闲置。", 3),
        ("首先，完善制度。其次，健全规范。最后，健全监管体系。", 3),
        ("其一，难以适应。其二，陷入窘境。", 2),
        ("一是甲。三是丙。", 0),  # not consecutive: no enumeration
        ("选择一：走开源还是闭源的道路？\n正文一。\n选择二：拼算法还是拼设施？\n正文二。", 2),  # not a speaker
        ("从政策维度来看，要完善制度。从人才维度来看，完善培养体系。从资金维度来看，要分阶段支持。", 3),
        ("从宏观上看，堵点较多；从中观层次看，根植性不强；从微观层次看，面临断供压力。", 3),
        ("从长期来看，机器换人能稳定质量。", 0),  # one viewpoint is not a list
        ("第一次会议在北京召开。", 0),
    ],
)
def test_ordinal_families(text, expected):
    groups = enumerations(text)
    assert (len(groups[0].items) if groups else 0) == expected


def test_sibling_headings_form_a_list():
    text = (
        "应对策略\n靶向解决研发难题，筑牢技术创新之梁\n正文一。\n统筹规划方案，筑牢产业协同之梁\n正文二。\n"
        "建立健全体系，筑牢支撑保障之梁\n正文三。"
    )
    (group,) = heading_lists(text)
    assert [text[s:e][-8:] for s, e in group.items] == ["筑牢技术创新之梁", "筑牢产业协同之梁", "筑牢支撑保障之梁"]
    assert text[group.lead[0] : group.lead[1]] == "应对策略"


def test_a_heading_that_counts_its_paragraphs_is_a_list():
    text = (
        "大模型带来三个变革\n技术上的规模定律，即精度随规模提升。\n产业上算力需求爆炸式增长，英伟达市值飙升。\n"
        "社会上冲击劳动力市场，财会等职业受影响。\n人工智能的安全风险\n正文。"
    )
    (group,) = counted_sections(text)
    assert text[slice(*group.lead)] == "大模型带来三个变革"
    assert [text[s:e][:3] for s, e in group.items] == ["技术上", "产业上", "社会上"]  # each paragraph's first sentence
    assert text[slice(*group.items[0])] == "技术上的规模定律，即精度随规模提升。"


def test_a_sentence_that_counts_the_headings_after_it_is_a_list():
    text = (
        "五大成功举措\n成功举措包括如下三个方面。\n明确的目标\n目标是量化衡量。\n经营管理策划先行\n团队全力参与。\n"
        "持续的学习和优化\n企业需要不断学习。"
    )
    (group,) = counted_sections(text)
    assert text[slice(*group.lead)] == "成功举措包括如下三个方面。"
    assert [text[s:e] for s, e in group.items] == ["明确的目标", "经营管理策划先行", "持续的学习和优化"]


@pytest.mark.parametrize(
    "text",
    [
        "大模型带来三个变革\n第一段。\n第二段。\n人工智能的安全风险\n正文。",  # two paragraphs, not three
        "大模型带来三个变革\n第一段。\n第二段。\n第三段。\n第四段。",  # the section goes on past three
        "我们开了三个会议。\n第一段。\n第二段。\n第三段。",  # a sentence that does not announce what follows
        "大模型带来三个变革\n第一段。\n第二段。",  # the article ends before the third
        # three sibling headings follow a lead that counts two: the list goes on, the count is not its size
        "两大关键\n加强技术创新\n正文。\n加强人才培养\n正文。\n加强数据赋能\n正文。",
    ],
)
def test_no_counted_section_when_the_count_does_not_fit(text):
    assert counted_sections(text) == []


@pytest.mark.parametrize(
    "question, many",
    [
        ("钮钦建议从哪几个方面加快优化调整？", True),
        ("如何释放数据要素价值？", True),
        ("Why did the subsidies change?", True),
        ("How does the author propose to fix it?", True),
        ("这套方案上线后带来了什么效果？", True),
        ("这家公司的总部在什么地方？", False),
        ("GPT-3有多少个参数？", False),
        ("How many parameters does GPT-3 have?", False),
        ("Which company makes the SU7?", False),  # "makes" is a verb
        ("According to Sun Ninghui, what three changes have large models brought?", True),
        ("In which areas will Zeekr and 360 Group work together?", True),
        ("What did Anta Group gain from its digital transformation?", True),
        ("How, according to the essay, did Britain become a leading power?", True),
        ("What business models for open source does Fang Han describe?", True),
        ("What is the retail price of the SU7?", False),
        ("Which company competes with Xiaomi in EVs?", False),
        ("What is the name of the model which Kunlun releases in 2024?", False),  # a relative "which"
        ("How often does Xiaomi update its models?", False),
        ("What does the LLM Arena leaderboard show about open-source models, according to Fang Han?", True),
        ("What did Miao Wei say about local protectionism?", True),
        ("Describe ZWSOFT's path abroad.", True),
        ("What does 新质生产力 mean?", False),  # a definition: one sentence says it
        ("What did Xiaomi price the SU7 at?", False),
        ("“骗补”的第一类涉及哪5家企业？", True),  # a count in digits asks for the things counted
        ("哪1家企业骗补最多？", False),  # which one
        ("《企业数字化管理五大成功举措》的作者是谁？", False),  # the title's words ask for nothing
        ("What did Fang Han say the monthly subscription fee was?", False),  # one value
        ("Which company did the article describe as the leader in CAD software?", False),
        ("What does the author think is the main risk?", False),
        ("Explain how Kunlun lowers inference costs.", True),
    ],
)
def test_questions_that_want_several_things(question, many):
    assert QuestionInfo.parse(question).many is many


def _setup():
    doc = Document("国家创新体系", "前言部分。" * 20 + SHI + "结语部分。" * 20, kind="article", section="特别策划")
    first_item = doc.text.index("一是")
    cut = doc.text.index("三是")
    chunks = [Chunk(doc.id, doc.text[:cut], 0, cut), Chunk(doc.id, doc.text[cut:], cut, len(doc.text))]
    return doc, chunks, first_item


def test_the_matching_group_is_answered_item_by_item_with_exact_quotes():
    doc, chunks, _ = _setup()
    hits = [Hit(1, 1.0, chunks[0], doc)]  # the third item is in a passage that was not retrieved
    weights = {"战略转型": 1.0, "建议": 0.5}
    picked = choose_group("提出了哪些建议？", weights, hits, AnswerSettings())
    assert picked is not None
    answer = list_answer(*picked, hits, ListStore([doc], chunks))
    assert answer.lines == [
        "针对短板，提出以下建议。[1]",
        "一是加快战略转型，实现整体转变[1]",
        "二是统筹全链创新，推进衔接贯通[1]",
        "三是强化企业作用，加强网络构建[2]",
    ]
    assert [s.chunk.id for s in answer.sources] == [chunks[1].id]
    passages = {chunks[0].id: chunks[0].text, chunks[1].id: chunks[1].text}
    assert all(passages[c.chunk_id][c.span[0] : c.span[1]] == c.quote for c in answer.citations)


def test_no_group_when_the_count_differs_or_the_topic_is_elsewhere():
    doc, chunks, _ = _setup()
    hits = [Hit(1, 1.0, chunks[0], doc)]
    assert choose_group("提出了哪五条建议？", {"战略转型": 1.0}, hits, AnswerSettings()) is None
    assert choose_group("有哪些建议？", {"骗补": 1.0, "电池": 1.0}, hits, AnswerSettings()) is None


def test_a_lead_that_counts_what_the_question_asks_to_count_is_chosen():
    text = (
        "前言部分。" * 20
        + "事后总结，骗补方式可以归纳为4类。第一类是有牌无车。第二类是有车无电池。第三类是标实不符。第四类是车辆闲置。"
    )
    doc = Document("电动车", text, kind="article", section="工信史话")
    hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
    weights = {"新能源": 1.0, "汽车": 1.0, "骗补": 1.0}  # the article-wide subject is not in the list's own words
    assert choose_group("新能源汽车骗补有哪几类？", weights, hits, AnswerSettings()) is not None
    assert choose_group("新能源汽车骗补有哪几种手法？", weights, hits, AnswerSettings()) is None  # 几种 ≠ 4类


@pytest.mark.parametrize(
    "heading, question, chosen",
    [
        ("承接产业转移能力的建议", "中西部营商环境存在哪些问题？", False),  # problems asked, remedies listed
        ("承接产业转移面临的问题", "中西部营商环境存在哪些问题？", True),
        ("承接产业转移面临的问题", "What measures are proposed for the business environment?", False),
        ("承接产业转移能力的建议", "中西部营商环境有哪些建议？", True),
        ("承接产业转移", "中西部营商环境有哪些问题和对策？", True),  # asks for both: any heading
    ],
)
def test_a_list_of_remedies_does_not_answer_a_question_about_problems(heading, question, chosen):
    text = f"{heading}\n营商环境有待改善。一是营商环境开放。二是营商环境审批。三是营商环境服务。"
    doc = Document("中西部", text, kind="article")
    hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
    picked = choose_group(question, {"营商环境": 1.0}, hits, AnswerSettings())
    assert (picked is not None) is chosen


def test_a_speaker_label_of_the_interview_is_left_out_of_the_answer_line():
    from rag.text import strip_speaker

    assert strip_speaker("苗圩：第一类是有牌无车。", ["苗圩", "曾纯"]) == "第一类是有牌无车。"
    assert strip_speaker("主要包括：甲、乙。", ["苗圩"]) == "主要包括：甲、乙。"  # not a speaker


def test_an_address_is_an_answer_only_to_a_question_that_asks_for_one():
    from rag.answer import analyse
    from rag.types import Chunk, Document, Hit

    doc = Document("杂志信息", "编辑部设在北京海淀区，联系见www.example.com。编辑部设在北京海淀区。", kind="article")
    hit = Hit(1, 1.0, Chunk(doc.id, doc.text, 0, len(doc.text)), doc)
    assert "www" not in analyse("编辑部设在哪里？", [hit]).ranked[0].text
    assert "www" in analyse("编辑部的网址是什么？", [hit]).ranked[0].text


@pytest.mark.parametrize(
    "sentence, rest",
    [
        ("苗圩：一是，加强监管。", "加强监管。"),
        ("第二条路径是，采用UGC平台模式。", "路径是，采用UGC平台模式。"),
        ("首先是算力。", "算力。"),
        ("从人才维度来看，缺口很大。", "缺口很大。"),
        ("选择一：开放生态。", "开放生态。"),
        ("（三）完善标准体系", "完善标准体系"),
        ("数据是新的生产要素。", "数据是新的生产要素。"),
    ],
)
def test_where_an_items_ordinal_ends(sentence, rest):
    assert sentence[ordinal_end(sentence) :] == rest


def test_a_section_is_found_by_its_heading_line():
    from rag.answer.structure import section_heading

    text = "导语说背景。\n存在的问题\n其一，甲。其二，乙。\n赵俊渥 中国通信企业协会副秘书长\n其三，丙。"
    heading = (text.index("存在的问题"), text.index("存在的问题") + len("存在的问题"))
    assert section_heading(text, text.index("其二"), ("赵俊渥",)) == heading
    assert section_heading(text, text.index("其三"), ("赵俊渥",)) == heading  # a byline heads no section
    assert section_heading(text, heading[0] + 2) == heading  # the heading's own line
    assert section_heading(text, 3) is None  # before any heading


def test_an_english_words_translations_count_once_and_as_its_ordinary_rendering():
    from rag.answer.lists import coverage

    weights = {"发展": 0.3, "演变": 5.0, "前沿": 2.7, "方向": 2.0}
    alternatives = [("发展", "演变"), ("前沿",), ("方向",)]
    text = "人工智能技术前沿四个发展方向"
    assert coverage(weights, text, alternatives) == 1.0  # 发展 holds "development"; 演变 is another sense
    assert coverage(weights, text) == pytest.approx(5.0 / 10.0)  # counted as words of their own, 演变 is missing
    assert coverage(weights, "发展前沿", alternatives) == pytest.approx(3.0 / 5.0)


TITLED = (
    "导语\n导语说背景。\n"
    "个人信息安全面临的挑战\n"
    "无处不在的连接设备。各种设备都能联网，扩大了风险。\n"
    "新的攻击面层出不穷。技术的更新带来了新的漏洞。\n"
    "赵俊渥 中国通信企业协会副秘书长\n"  # a byline the layout dropped between two paragraphs
    "设备多样性和更新问题。设备种类繁多，更新不及\n"
    "时。\n"  # a page break inside a paragraph: no paragraph of its own
    "结语\n总之，要加强保护。"
)


def test_paragraphs_that_open_with_a_title_are_a_list():
    from rag.answer.structure import TITLES, titled_paragraphs

    (group,) = titled_paragraphs(TITLED, ("赵俊渥",))
    assert group.kind == TITLES
    assert [TITLED[s:e] for s, e in group.items] == [
        "无处不在的连接设备。",
        "新的攻击面层出不穷。",
        "设备多样性和更新问题。",
    ]
    assert TITLED[slice(*group.lead)] == "个人信息安全面临的挑战"


def test_paragraphs_without_titles_are_no_list():
    from rag.answer.structure import titled_paragraphs

    # a first sentence longer than a title
    opening = "这一段先用一句很长的话交代了背景，说明了事情的来龙去脉，又补充了好几个相关的细节，然后才慢慢说到正题"
    prose = "背景\n" + "".join(f"{opening}{n}。后面还有话。\n" for n in range(4))
    assert titled_paragraphs(prose) == []
    ordinals = "做法\n一是加强保护。说明一。\n二是完善标准。说明二。\n三是强化监管。说明三。\n"
    assert titled_paragraphs(ordinals) == []  # an enumeration, found as one


@pytest.mark.parametrize(
    "question, listed",
    [
        ("个人信息安全面临哪些挑战？", True),
        ("无处不在的连接设备带来了哪些风险？", False),
    ],  # the second asks about one title
)
def test_titled_paragraphs_answer_a_question_about_the_section_not_one_about_a_paragraph(question, listed):
    doc = Document("物联网", TITLED, kind="article", authors=("赵俊渥",))
    hits = [Hit(1, 1.0, Chunk(doc.id, TITLED, 0, len(TITLED)), doc)]
    weights = {t: 1.0 for t in ("个人信息", "安全", "挑战", "无处不在", "连接", "设备", "风险") if t in question}
    picked = choose_group(question, weights, hits, AnswerSettings())
    assert (picked is not None) is listed


def test_the_articles_title_speaks_for_its_lists():
    text = (
        "应对策略\n靶向解决研发难题，筑牢技术创新之梁\n正文一。\n统筹规划方案，筑牢产业协同之梁\n正文二。\n"
        "建立健全体系，筑牢支撑保障之梁\n正文三。"
    )
    weights = {"战略性": 1.0, "新兴产业": 1.0, "四梁": 1.0, "八柱": 1.0, "梁": 1.0}
    picked = {}
    for title in ("发展新质生产力亟须筑牢战略性新兴产业“四梁八柱”", "产业发展"):
        doc = Document(title, text, kind="article")
        hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
        picked[title] = choose_group("战略性新兴产业的“四梁八柱”指什么？", weights, hits, AnswerSettings())
    assert picked["发展新质生产力亟须筑牢战略性新兴产业“四梁八柱”"] is not None
    assert picked["产业发展"] is None  # the list alone names only 梁


def test_a_heading_that_holds_the_question_answers_with_the_list_under_it():
    from rag.answer.structure import TITLES

    text = (
        "数字技术推动研发创新\n研发正文说了一些事情，篇幅比较长，讲了很多。\n"
        "数字技术催化新产业发展\n"
        "数字技术促进云服务蓬勃发展。云服务说明。\n数字技术催生数据产业兴起。数据产业说明。\n"
        "数字技术推动人工智能产业发展。人工智能说明。\n"
        "数字技术优化流通过程\n流通正文说了一些事情，篇幅比较长，讲了很多。\n"
    )
    doc = Document("数字技术", text, kind="article")
    hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
    weights = {"数字技术": 1.0, "催化": 1.0, "新产业": 1.0}
    picked = choose_group("数字技术催化了哪些新产业？", weights, hits, AnswerSettings())
    assert picked is not None and picked[1].kind == TITLES  # not the list of headings that holds 催化新产业 as one item


def test_the_title_does_not_make_a_list_of_what_says_nothing_of_the_question():
    text = "会议安排\n一是上午举行开幕式。二是下午分组讨论。三是晚上举行招待会。"
    doc = Document("人工智能发展面临的挑战", text, kind="article")
    hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
    weights = {"人工智能": 1.0, "发展": 0.3, "挑战": 1.0}
    assert choose_group("人工智能发展面临哪些挑战？", weights, hits, AnswerSettings()) is None


def test_a_list_of_headings_each_over_titled_paragraphs_is_still_the_list():
    body = "".join(f"{w}一。说明。\n{w}二。说明。\n{w}三。说明。\n" for w in ("研发", "协同", "保障"))
    parts = body.splitlines(keepends=True)
    text = "应对策略\n" + "".join(
        f"{h}\n{''.join(parts[3 * k : 3 * k + 3])}"
        for k, h in enumerate(
            ["靶向解决研发难题，筑牢技术创新之梁", "统筹规划方案，筑牢产业协同之梁", "建立健全体系，筑牢支撑保障之梁"]
        )
    )
    doc = Document("发展新质生产力亟须筑牢战略性新兴产业“四梁八柱”", text, kind="article")
    hits = [Hit(1, 1.0, Chunk(doc.id, text, 0, len(text)), doc)]
    weights = {"战略性": 1.0, "新兴产业": 1.0, "四梁": 1.0, "八柱": 1.0, "梁": 1.0}
    picked = choose_group("战略性新兴产业的“四梁八柱”指什么？", weights, hits, AnswerSettings())
    assert picked is not None and [text[s:e][-4:] for s, e in picked[1].items] == [
        "技术创新之梁"[-4:],
        "产业协同之梁"[-4:],
        "支撑保障之梁"[-4:],
    ]


def test_a_short_opening_clause_titles_nothing():
    from rag.answer.structure import titled_paragraphs

    text = (
        "全球化成关键要素\n2023年，很多企业有一个主题词。出海成为潮流。\n工业软件企业亦不例外，全球化是重要标准。后文。\n"
        "更重要的是，全球化带来技术交流。后文。\n特别是欧美国家，工业体系完整。后文。\n"
    )
    assert titled_paragraphs(text) == []  # time, emphasis and topic clauses lead into sentences
    titled = (
        "建议\n促进地区间平衡发展，更好地发挥资源优势。后文。\n加大数字化、智能化投入，加速融合。后文。\n"
        "培育重点产业链生态，打造新能力。后文。\n"
    )
    assert len(titled_paragraphs(titled)[0].items) == 3
