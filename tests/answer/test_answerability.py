"""Answerability: an answer whose cited sentences do not give the asked attribute abstains (both answerers, both
languages); one that gives it is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from articles import ZWSOFT_ARTICLE
from fakes import FakeEmbedder

from rag.answer import ABSTAIN_EN, ABSTAIN_ZH, Answerer, AnswerSettings
from rag.answer.answerability import missing_attribute
from rag.config import Settings
from rag.index import build_index
from rag.retrieval import Retriever
from rag.types import Document


@pytest.mark.parametrize(
    ("question", "without", "with_it"),
    [
        (
            "中望软件2023年的净利润是多少？",
            "2023年，中望软件营收首次突破1亿美元。",
            "2023年，中望软件实现净利润6000万元。",
        ),
        ("中望软件董事长杜玉林今年多大年纪？", "杜玉林表示，研发是企业的生命线。", "杜玉林今年58岁。"),
        (
            "北斗三号全球卫星导航系统是哪一年正式开通的？",
            "北斗三号全球卫星导航系统开通。",
            "2020年，北斗三号正式开通。",
        ),
        ("比亚迪2023年的新能源汽车销量是多少万辆？", "2022年比亚迪销量186万辆。", "2023年比亚迪销量302万辆。"),
        (
            "刘凯教授是在哪所大学获得博士学位的？",
            "刘凯 中国人民大学经济学院教授。",
            "刘凯毕业于北京大学，获经济学博士学位。",
        ),
        ("What is the retail price of the Xiaomi SU7?", "定价：60.00元", "小米SU7的售价为21.59万元起。"),
        (
            "What was Kunlun Tech's net profit in 2023?",
            "2023年昆仑万维发布天工大模型。",
            "2023年昆仑万维净利润为12.6亿元。",
        ),
        ("How old is Du Yulin?", "杜玉林是中望软件的创始人。", "杜玉林今年58岁。"),
        ("比亚迪2023年的销量是多少？", "2023年，比亚迪销量大幅增长。", "2023年，比亚迪销量302万辆。"),
        ("越南的出口增长了多少？", "越南出口发展很快。", "2022年越南增长了92.7%。"),
        (
            "In which year did Tesla receive the loan?",
            "特斯拉获得了4.65亿美元低息贷款。",
            "2010年特斯拉获得了4.65亿美元贷款。",
        ),
        (  # any year is not the year of birth
            "昆仑万维董事长方汉是哪一年出生的？",
            "方汉每周要阅读3-4篇论文，2023年共阅读了200多篇论文。",
            "方汉1974年出生于北京。",
        ),
        (  # an English question pins its year too
            "What was Vietnam's total export value in 2023?",
            "2022年越南出口额共计为4560亿美元。",
            "2023年越南出口额为3555亿美元。",
        ),
        (
            "How many parameters does Tencent's Hunyuan model have?",
            "混元大模型已接入。",
            "混元大模型的参数规模超过1000亿。",
        ),
        (  # 分别是多少 asks for amounts, not for a list of things
            "中国巨石2023年的营业收入和净利润分别是多少？",
            "中国巨石是世界玻璃纤维领域领军企业，占全球玻纤产能的25%。",
            "2023年，中国巨石营业收入为148亿元，净利润为30亿元。",
        ),
        (  # an amount asked in a currency is not answered by a growth rate
            "What was Anta Group's total revenue in 2019, in yuan?",
            "2019年，安踏集团的年收入同比增长40%。",
            "2019年，安踏集团的年收入为339.3亿元。",
        ),
        (  # a count of people is a count of employees only beside the word
            "How many employees does ZWSOFT have worldwide?",
            "中望软件在全球拥有会员500万人。",
            "中望软件在全球拥有员工1500余人。",
        ),
        (
            "Where did Yan Shuicheng work before he joined Kunlun Tech?",
            "2023年9月，AI界专家颜水成加入昆仑万维。",
            "颜水成此前在新加坡Sea集团担任首席科学家。",
        ),
    ],
)
def test_an_answer_without_the_asked_attribute_is_caught_and_one_with_it_kept(question, without, with_it):
    assert missing_attribute(question, [without]) is not None
    assert missing_attribute(question, [with_it]) is None
    assert missing_attribute(question, [without, with_it]) is None


def test_the_value_must_be_about_the_model_the_question_names():
    question = "What is the price of one Nvidia H100 chip?"
    other = "英伟达B200芯片价格高达3万美元以上。"
    assert missing_attribute(question, [other], level=3) is None  # a price is there ...
    assert missing_attribute(question, [other]) is not None  # ... but not of the H100
    assert missing_attribute(question, ["英伟达H100芯片的价格约为2.5万美元。"]) is None


def test_the_right_kind_of_value_is_not_enough_without_the_attribute_word():
    question = "安踏集团2019年的营业收入是多少亿元？"
    assert missing_attribute(question, ["2019年，安踏集团的研发投入为10亿元。"], level=2) is None
    assert missing_attribute(question, ["2019年，安踏集团的研发投入为10亿元。"]) == "revenue"
    assert missing_attribute(question, ["2019年，安踏集团营业收入339亿元。"]) is None


@pytest.mark.parametrize(
    "question",
    [
        "新能源汽车“骗补”有哪几类？",
        "孙凝晖院士认为中国发展智能计算应该走什么道路？",
        "新能源汽车补贴政策存在哪些问题？",
        "Why does the author argue that data elements empower new productive forces?",
        "How many kinds of subsidy fraud were there?",  # a count of kinds, not an amount
        "How many stages did the subsidy policy go through?",
        "What problems did Xiaomi face before it launched the SU7?",  # "before it launched" asks for no career
        "What changed before foundation models arrived?",
    ],
)
def test_questions_that_ask_for_no_attribute_are_never_abstained(question):
    assert missing_attribute(question, ["一是有牌无车，二是有车无电池。"]) is None


def test_level_zero_checks_nothing():
    assert missing_attribute("中望软件2023年的净利润是多少？", ["无关的一句话。"], level=0) is None
    assert missing_attribute("中望软件2023年的净利润是多少？", ["无关的一句话。"], level=1) == "profit"


DOCS = [ZWSOFT_ARTICLE]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> Retriever:
    home: Path = tmp_path_factory.mktemp("answerability")
    embedder = FakeEmbedder()
    index, _ = build_index([home / "nothing"], Settings(home=home).index, embedder, documents=DOCS)
    return Retriever(index, embedder)


def _answerer(retriever: Retriever, level: int) -> Answerer:
    return Answerer(retriever, AnswerSettings(threshold=0.0, attribute_check=level))


@pytest.mark.parametrize(
    ("question", "abstained_text"),
    [("中望软件2022年的净利润是多少？", ABSTAIN_ZH), ("What was ZWSOFT's (中望软件) net profit in 2022?", ABSTAIN_EN)],
)
def test_the_extractive_answer_abstains_in_the_question_language_and_keeps_sources(retriever, question, abstained_text):
    unchecked = _answerer(retriever, 0).answer(question)
    assert not unchecked.abstained and unchecked.citations
    checked = _answerer(retriever, 4).answer(question)
    assert checked.abstained and checked.text == abstained_text and checked.citations == []
    assert [s.chunk.id for s in checked.sources] == [s.chunk.id for s in unchecked.sources]
    assert checked.confidence == unchecked.confidence


def test_an_extractive_answer_that_gives_the_attribute_is_kept(retriever):
    answer = _answerer(retriever, 4).answer("2022年中望软件的研发投入占营业收入的比例是多少？")
    assert not answer.abstained and "52.66%" in answer.text


class _Scripted:
    """A chat model that copies one sentence of its evidence, chosen by a needle, with its marker."""

    label = "llm:scripted"
    context = "evidence"
    languages = ("zh", "en")

    def __init__(self, needle: str):
        self.needle = needle

    def stream(self, messages, grammar=None):
        lines = [line for line in messages[1]["content"].splitlines() if line.startswith("[")]
        line = next(x for x in lines if self.needle in x)
        number, sentence = line[1:].split("] ", 1)
        yield f"- {sentence} [{number}]\n"


def test_the_model_answer_is_checked_too(retriever):
    question = "中望软件董事长杜玉林今年多大年纪？"
    answerer = _answerer(retriever, 4)
    kept = _answerer(retriever, 0).answer(question, llm=_Scripted("杜玉林"))
    assert not kept.abstained and kept.answerer == "llm:scripted" and "杜玉林" in kept.citations[0].quote
    checked = answerer.answer(question, llm=_Scripted("杜玉林"))
    assert checked.abstained and checked.text == ABSTAIN_ZH and checked.answerer == "llm:scripted"
    assert checked.sources
    rate = answerer.answer("2022年中望软件的研发投入占营业收入的比例是多少？", llm=_Scripted("52.66%"))
    assert not rate.abstained and "52.66%" in rate.citations[0].quote


@pytest.mark.parametrize("question", ["What was BYD revenue in Q1 2024?", "比亚迪2024年Q1营收是多少？"])
def test_a_quarter_is_a_period_in_any_of_its_spellings_not_a_model_number(question):
    assert missing_attribute(question, ["比亚迪2024年一季度营业收入1249亿元。"]) is None


def test_a_pinned_quarter_must_be_the_one_cited():
    assert missing_attribute("比亚迪2024年Q1营收是多少？", ["比亚迪2024年第二季度营业收入1249亿元。"]) == "revenue"


ANTA = Document(
    title="企业数字化管理五大成功举措",
    section="管理经纬",
    authors=("李玉娟",),
    kind="article",
    text="安踏集团选择了新一代数字平台。安踏集团本次数字化转型的收益如下：经营分析能力较以前提高三倍。",
)


@pytest.fixture(scope="module")
def two_companies(tmp_path_factory) -> Retriever:
    home: Path = tmp_path_factory.mktemp("two-companies")
    embedder = FakeEmbedder()
    index, _ = build_index([home / "nothing"], Settings(home=home).index, embedder, documents=[ZWSOFT_ARTICLE, ANTA])
    return Retriever(index, embedder)


def test_an_english_question_about_a_named_company_is_not_answered_with_another_companys_figure(two_companies):
    answerer = _answerer(two_companies, 4)
    assert two_companies.question_names("What share of its revenue did Anta spend on R&D in 2022?") == ["安踏"]
    other = answerer.answer("What share of its revenue did Anta spend on R&D in 2022?")
    assert other.abstained and other.text == ABSTAIN_EN  # the 52.66% is Zhongwang's
    own = answerer.answer("What share of its revenue did Zhongwang spend on R&D in 2022?")
    assert not own.abstained and "52.66%" in own.citations[0].quote
    # a name the article gives as its author counts: the passage need not repeat it
    assert not answerer.answer("According to Wuhan Zhixin, what share of revenue went to R&D in 2022?").abstained


@pytest.mark.parametrize(
    ("question", "without", "with_it"),
    [
        ("力劲集团在港股的股票代码是多少？", "力劲集团拥有员工5000多人。", "力劲集团 股票代码：0558.HK"),
        ("What is the stock code of Yingliu?", "应流股份员工超过3000人。", "应流股份（证券代码：603308）"),
    ],
)
def test_a_stock_code_is_an_identifier_not_a_count(question, without, with_it):
    assert missing_attribute(question, [without]) == "code"
    assert missing_attribute(question, [with_it]) is None


@pytest.mark.parametrize(
    ("question", "without", "with_it"),
    [
        (  # a number inside a name the question quotes
            "“十城千辆”试点期间一共推广了多少辆新能源汽车？",
            "“十城千辆”节能与新能源汽车示范推广试点启动。",
            "“十城千辆”试点期间共推广新能源汽车2.7万辆。",
        ),
        (  # a lone 一 is the article "a", 零售 is no zero
            "汉诺威工业博览会总共有多少参展商？",
            "博览会上有一家中国企业的零售展台颇为显眼。",
            "博览会共有4000家参展商。",
        ),
        (  # a bare year is no count
            "How many new energy vehicles served at the Olympics?",
            "2008北京奥运会是一个关键节点。",
            "北京奥运会期间有500辆新能源汽车提供服务。",
        ),
    ],
)
def test_names_articles_and_years_are_not_counts(question, without, with_it):
    assert missing_attribute(question, [without]) is not None
    assert missing_attribute(question, [with_it]) is None


def test_a_model_number_inside_a_quoted_name_still_counts_for_the_model_check():
    question = "“Qwen1.5”有多少参数？"
    assert missing_attribute(question, ["“Qwen1.5”的参数规模为720亿。"]) is None


def test_the_thing_a_chinese_count_question_counts_must_stand_by_the_count():
    question = "2024年汉诺威工业博览会总共有多少家参展商？"
    assert missing_attribute(question, ["2024年的汉诺威工业博览会，逾千家中国一流企业齐聚汉诺威。"]) is not None
    assert missing_attribute(question, ["2024年汉诺威工业博览会共有4000家参展商。"]) is None
    assert missing_attribute(question, ["2024年汉诺威工业博览会，参展商共有4000家。"]) is None
    # a long noun may stand by its last two characters
    assert missing_attribute("2023年一共推广了多少辆新能源汽车？", ["2023年共推广汽车2.7万辆。"]) is None


@pytest.mark.parametrize(
    ("question", "without", "with_it"),
    [
        ("360集团创始人周鸿祎是哪里人？", "周鸿祎创办了360集团，专注网络安全。", "周鸿祎是湖北黄冈人。"),
        ("Where was Zhou Hongyi born?", "周鸿祎创办了360集团。", "周鸿祎1970年出生于湖北黄冈。"),
        (
            "第七届数字中国建设峰会是在哪座城市召开的？",
            "第七届数字中国建设峰会发布了多项成果。",
            "第七届数字中国建设峰会在福州召开。",
        ),
        ("In which city was the Digital China Summit held?", "峰会发布了多项成果。", "数字中国建设峰会在福州召开。"),
    ],
)
def test_a_question_asking_where_wants_a_place_in_the_cited_sentence(question, without, with_it):
    assert missing_attribute(question, [without]) in ("origin", "place")
    assert missing_attribute(question, [with_it]) is None


def test_a_place_the_question_names_is_no_answer_to_where():
    question = "北京的和利时科技集团总部设在哪里？"
    assert missing_attribute(question, ["北京的和利时科技集团发展壮大。"]) == "place"
    assert missing_attribute(question, ["和利时总部位于北京经济技术开发区。"]) is None


@pytest.mark.parametrize(
    ("question", "without", "with_it"),
    [
        ("特邀评论员刘俊卿在哪个单位任职？", "刘俊卿 特邀评论员", "刘俊卿 中国电子信息产业发展研究院 特邀评论员"),
        ("Which company developed Qwen1.5?", "Qwen1.5是一个开源大模型。", "Qwen1.5由阿里巴巴集团开发。"),
        ("这款产品叫什么名字？", "这款产品性能很强。", "这款产品名为“天工”。"),
        ("What is the name of the chip?", "这款芯片性能很强。", "这款芯片名为Blackwell。"),
    ],
)
def test_a_question_asking_which_organisation_or_what_name_wants_one_in_the_cited_sentence(question, without, with_it):
    assert missing_attribute(question, [without]) in ("organisation", "name")
    assert missing_attribute(question, [with_it]) is None


@pytest.mark.parametrize("question", ["Which company built the AI Yoon avatar?", "AI Yoon数字人是由哪家公司创建的？"])
def test_an_organisation_only_described_is_not_named(question):
    described = "AI Yoon由当地一家技术公司创建。"
    assert missing_attribute(question, [described]) == "organisation"
    assert missing_attribute(question, ["AI Yoon由韩国DeepBrain AI公司创建。"]) is None
    assert missing_attribute(question, ["DeepBrain是一家技术公司，AI Yoon由它创建。"]) is None


def test_a_figure_of_another_place_does_not_answer_for_the_place_asked():
    question = "印度制造业的从业人数有多少？"
    vietnam = "越南制造业从业人数约为1130万人。"
    assert missing_attribute(question, [vietnam]) == "workforce"
    assert missing_attribute(question, [vietnam, "印度制造业从业人数约为6000万人。"]) is None
    assert missing_attribute(question, ["制造业从业人数约为6000万人。"]) is None  # no rival place named
    assert missing_attribute(question, ["全国制造业从业人数约为6000万人。"]) is None  # 全国 is no rival


@pytest.mark.parametrize(
    ("question", "quotes", "missing"),
    [
        ("北京市2023年的GDP是多少？", ["2023年北京GDP达到4.4万亿元。"], False),  # 北京市 is 北京
        ("中望软件的股票代码是多少？", ["中望软件2021年在科创板上市。"], True),  # a year is no code
        ("哪座城市举办了这次大会？", ["大会吸引了国际市场的广泛关注。"], True),  # 市场 is no city
    ],
)
def test_review_cases_of_places_and_codes(question, quotes, missing):
    assert (missing_attribute(question, quotes, 4) is not None) is missing


def test_an_organisation_described_and_then_named_is_given():
    from rag.answer.entities import missing_entity

    named = ["在广州，有一家专注工业软件的企业——广州中望龙腾软件股份有限公司"]
    assert missing_entity("这家企业是哪家公司？", named) is None
    assert missing_entity("AI Yoon由哪家公司创建？", ["AI Yoon由当地一家技术公司创建"]) == "organisation"
