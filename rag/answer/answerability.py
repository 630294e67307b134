"""Answerability: does what an answer cites hold the kind of fact the question asks for?

A reader asks about an attribute — a price, a profit, an age, a year, a figure for one year, a count in some
unit — of something the magazine names. Retrieval then finds passages about that thing, and without a check the
answer quotes whatever sentence is closest, although the magazine never gives the attribute.
`missing_attribute` reads the asked attribute off the question with the table `ATTRIBUTES` (Chinese and English
wording) and checks the cited sentences: the value of that kind must be there (a money amount, an age, a year,
a percentage…), next to the attribute's own word or a synonym (净利润/净利/盈利, "revenue" → 营收/营业收入/收入),
and a year, quarter or unit the question pins down (2023年, 一季度, 多少万辆) must be there too. A count must stand
by the thing a Chinese question counts (多少家参展商); a number inside a name the question quotes (“十城千辆”), the
article 一家 and a bare year are no counts; a figure given for another place than the one a Chinese question names
(越南 for 印度) does not answer. A question that asks where, which organisation or what name wants one in a cited
sentence (`entities`).

The levels (`AnswerSettings.attribute_check`): 0 off; 1 the value's kind; 2 also the pinned year, period and unit;
3 also the attribute word (or counted thing) near the value; 4 (the default) also all of it in one cited sentence,
with the model numbers the question names (a price of the B200 does not answer a question about the H100).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import asked_counts, squash, tagged_words

from .entities import ORIGIN, asked_entities, missing_entity
from .question import PERSON_TITLE, QUOTED_TITLE, QuestionInfo


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NUM = r"(?:\d[\d,，.]*\d|\d|[零〇一二两三四五六七八九十百千几数]+)"
_SCALE = r"\s*(?:多|余|近|约)?\s*[万亿千百]*\s*"
_MONEY = (
    rf"{_NUM}{_SCALE}(?:多|余)?(?:元|美元|欧元|日元|英镑|港元|港币|人民币|块钱|美金|卢布|韩元|越南盾|马克|法郎|卢比|比索|里拉|澳元|加元|新台币)|"
    rf"(?:US\$|\$|￥|¥|€|£|USD|RMB|EUR)\s*\d|\d{_SCALE}(?:billion|million|trillion)?\s*(?:dollars|yuan|euros)|"
    rf"\d(?:\.\d+)?\s*(?:多|余)?亿(?![\u4e00-\u9fff]{{0,2}}(?:台|辆|人|个|件|部|只|家|吨|部|次|颗|套|用户|参数|像素))"
)
_PERCENT = (
    r"\d\s*[%％]|百分之|个百分点|\d\s*成(?![本果功立员])|\d\s*倍|[一二两三四五六七八九十]成|percent|翻了?[一二两三几]番"
)
_YEAR = r"(?<!\d)(?:19|20)\d{2}(?!\d)|[〇零一二三四五六七八九]{4}年|今年|去年|前年|明年|上年|当年|同年"
_MONTH = r"\d{1,2}\s*月|[一二三四五六七八九十]{1,3}月|(?:19|20)\d{2}[-/.]\d{1,2}(?!\d)"
_DAY = r"\d{1,2}\s*[日号]|[一二三四五六七八九十]{1,3}[日号]|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
_WHEN = rf"{_YEAR}|{_MONTH}|{_DAY}|年[初底末中]|[上下]半年|季度|世纪|年代"
_AGE = r"\d{1,3}\s*周?岁|[一二三四五六七八九十]+岁|年龄|岁数|出生|生于|年生|\d0后|\bborn\b|\baged\b|years? old"
_MEASURE = r"[个家辆人名台件部款项种条次位所座吨架颗套只]"
#: Not a count though a word follows: a lone 一/零/〇 (一家 "a", 零售 "retail") and a bare year (2024汉诺威).
_NOT_COUNT = (
    rf"(?![零〇一](?![零〇一二两三四五六七八九十百千万亿几]))(?!(?:19|20)\d{{2}}(?![\d.,，]|{_SCALE}{_MEASURE}))"
)
#: A counted amount: a number with its unit or measure word (a date such as 2023年 or 5月 is not a count).
_COUNT = rf"(?<![\d.]){_NOT_COUNT}{_NUM}{_SCALE}(?![年月日号\d])[\u4e00-\u9fffA-Za-z%％]"
_RANK = r"第\s*\d|第[一二三四五六七八九十百]+|排名|位列|位居|居首|首位|榜首|\btop\b"
_DURATION = rf"{_NUM}{_SCALE}(?:个)?(?:年|月|周|天|日|小时|分钟|秒)|多年|数年|\d+\s*(?:years?|months?|days?|hours?)"
_WHICH_SCHOOL = r"(?:哪|什么)(?:一)?(?:所|个|家)?(?:大学|学校|高校|院校)"
_SCHOOL = r"大学|学院|学校|高校|院校|研究生院|university|college|institute"
#: A stock or securities code (0558.HK, 603308, TSLA.O): digits or a ticker, not an amount, not a year (2021年).
_CODE = r"(?<![\d.])(?!(?:19|20)\d{2}年)\d{4,6}(?:\.[A-Za-z]{2})?(?![\d.])|\b[A-Z]{1,5}\.[A-Z]{1,2}\b"
_STUDY = r"毕业|就读|攻读|学位|博士|硕士|学士|本科|求学|校友|读书|专业|graduat|degree|ph\.?d|doctor|master|bachelor"


@dataclass(frozen=True)
class AttributeKind:
    """An attribute readers ask about: how a question asks for it (Chinese and English), the value a sentence
    must hold, and the words (the attribute or a synonym) that must stand near that value (None: the value says
    it all, e.g. an age)."""

    name: str
    asked: re.Pattern[str]
    value: re.Pattern[str]
    words: re.Pattern[str] | None = None
    quantity: bool = True  # asked only together with 多少/几/how much…: "补贴政策有哪些问题" asks no amount


#: A question that asks for an amount (money and measure attributes apply only then).
_QUANTITY = _rx(
    r"多少(?!种|类|项|条|个方面|方面|点)|几(?:何|[个十百千万亿]|多)|多[大高长久远重快]|是否超过|"
    r"\bhow (?:much|many|old|long|far|large|big|high|fast)\b|\bby how\b|\bwhat\b[^?]{0,60}\b(?:price|cost|revenue|"
    r"profit|income|earnings|value|valuation|worth|amount|sum|score|rating|resolution|salary|wage|pay|capacity|"
    r"output|volume|sales|share|percentage|proportion|rate|GDP|population|number|size|fine|funding|investment|"
    r"parameters|range|mileage)s?\b"
)

#: The attribute table: read from the kinds of fact readers ask of a business and technology magazine.
ATTRIBUTES: tuple[AttributeKind, ...] = (
    AttributeKind(
        "price",
        _rx(r"售价|定价|价格|价位|报价|指导价|单价|价钱|卖多少|\bpric(?:e|ed|es|ing)\b|\bcosts?\b"),
        _rx(_MONEY),
        _rx(r"价|售|卖|买|报|元起|pric|cost"),
    ),
    AttributeKind(
        "money",
        _rx(r"多少钱|金额|价值多少|花了|耗资|\bhow much money\b|\bmonetary value\b|\bworth\b|\bspen[dt]\b|\bpaid\b"),
        _rx(_MONEY),
    ),
    AttributeKind(
        "profit",
        _rx(r"净利润|利润|净利|盈利|亏损|毛利|\bprofits?\b|\bnet income\b|\bearnings\b|\blosses\b"),
        _rx(_MONEY + "|" + _PERCENT),
        _rx(r"利润|净利|盈利|亏损|毛利|赚|profit|earning"),
    ),
    AttributeKind(
        "revenue",
        _rx(r"营收|营业收入|总收入|年收入|收入|营业额|销售额|销售收入|\brevenues?\b|\bturnover\b|\bincome\b"),
        _rx(_MONEY + "|" + _PERCENT),
        _rx(r"营收|收入|营业额|销售额|revenue|turnover|income"),
    ),
    AttributeKind(
        "funding",
        _rx(
            r"融资|投资额|投资了|投入了?多少|注册资本|注册资金|资金|拨款|补贴|基金规模|募集|市值|估值|罚款|罚金|赔偿|"
            r"\bfund(?:ing|s|ed)?\b|\binvest|\bfinanc|\braised?\b|\bsubsid|\ballocat|\bcapital\b|"
            r"\bfined?\b|\bpenalty\b|\bvaluation\b|\bvalued\b|\bmarket (?:cap|value)"
        ),
        _rx(_MONEY),
        _rx(
            r"融资|投资|投入|资本|资金|拨款|补贴|基金|募集|市值|估值|罚|赔偿|金额|价值|花|耗资|出资|斥资|收购|"
            r"fund|invest|capital|fine|penalt|worth|valu|spen|paid|subsid|allocat"
        ),
    ),
    AttributeKind(
        "pay",
        _rx(r"工资|薪资|薪酬|薪水|月薪|年薪|收入水平|\bwages?\b|\bsalar(?:y|ies)\b|\bpay\b|\bearn\b"),
        _rx(_MONEY + "|" + _PERCENT),
        _rx(r"工资|薪|收入|wage|salar|pay"),
    ),
    AttributeKind(
        "economy",
        _rx(r"GDP|国内生产总值|经济总量|生产总值|产值|增加值|\beconomic output\b"),
        _rx(_MONEY),
        _rx(r"GDP|生产总值|经济总量|产值|增加值"),
    ),
    AttributeKind(
        "trade",
        _rx(r"出口额|进口额|出口量|进口量|出口|进口|贸易额|\bexports?\b|\bimports?\b|\btrade volume\b"),
        _rx(_COUNT),
        _rx(r"出口|进口|贸易|外贸|export|import|trade"),
    ),
    AttributeKind(
        "sales",
        _rx(r"销量|销售量|卖了|卖出|售出|交付|出货|\bsold\b|\bsales\b|\bdeliver|\bshipments?\b|\bshipped\b"),
        _rx(_COUNT),
        _rx(r"销量|销售|卖|售出|交付|出货|sold|sales|deliver|ship"),
    ),
    AttributeKind(
        "capacity",
        _rx(r"产能|产量|年产|装机量|装机|保有量|出货量|\bcapacity\b|\boutput\b|\binstall"),
        _rx(_COUNT),
        _rx(r"产能|产量|年产|生产|装机|保有|出货|capacity|output|install"),
    ),
    AttributeKind(
        "workforce",
        _rx(
            r"员工|职工|雇员|人数|从业人员|就业人员|人口|\bemployees\b|\bstaff\b|\bworkforce\b|\bheadcount\b|"
            r"\bpopulation\b"
        ),
        _rx(_COUNT),
        _rx(r"员工|职工|雇员|人员|从业|就业|人口|劳动力|employ|staff|worker|population"),
    ),
    AttributeKind(
        "users",
        _rx(
            r"用户数|用户量|用户规模|活跃用户|注册用户|多少用户|多少名?用户|订阅|粉丝|\busers\b|\bsubscribers\b|\bcustomers\b"
        ),
        _rx(_COUNT),
        _rx(r"用户|订阅|粉丝|客户|user|subscriber|customer"),
    ),
    AttributeKind(
        "parameters",
        _rx(r"参数量|参数规模|参数|\bparameters?\b"),
        _rx(_COUNT),
        _rx(r"参数|parameter"),
    ),
    AttributeKind(
        "compute",
        _rx(r"算力|\bflops\b|\btops\b|\bcomputing power\b|\bcompute\b"),
        _rx(rf"{_NUM}{_SCALE}(?:[PTGE]?FLOPS|TOPS|P|E|次|亿次)|\d"),
        _rx(r"算力|flops|tops|运算"),
    ),
    AttributeKind(
        "rate",
        _rx(
            r"增长率|增速|增幅|降幅|跌幅|涨幅|同比|环比|占比|比例|比重|份额|占有率|市占率|渗透率|良率|良品率|覆盖率|"
            r"普及率|利用率|转化率|准确率|成功率|毛利率|百分之|百分比|个百分点|\bpercent(?:age)?\b|\bgrowth rate\b|"
            r"\bshare\b|\bproportion\b|\byield\b|\bpenetration\b|\baccuracy\b"
        ),
        _rx(_PERCENT),
    ),
    AttributeKind(
        "change",
        _rx(
            r"(?:增长|增加|下降|减少|提高|提升|降低|上涨|下跌|上升|扩大|缩小)了?(?:多少|几)|"
            r"\bby how much\b|"
            r"\bhow much (?:did|does|do|has|have|will)\b.{0,60}\b(?:grow|rise|increase|fall|drop|decline)"
        ),
        _rx(_PERCENT + "|" + _COUNT),
    ),
    AttributeKind(
        "score",
        _rx(r"得分|分数|评分|多少分|\bscores?\b|\belo\b|\brating\b|\bbenchmark\b"),
        _rx(rf"{_NUM}\s*分|\d"),
        _rx(r"分|score|elo|rating"),
    ),
    AttributeKind(
        "resolution",
        _rx(r"分辨率|像素|清晰度|\bresolution\b|\bpixels?\b"),
        _rx(r"\d{3,4}\s*[pP]\b|\d\s*[kK]\b|\d{3,4}\s*[×xX*]\s*\d{3,4}|\d\s*(?:万|亿)?像素|高清|超清"),
    ),
    AttributeKind(
        "range",
        _rx(r"续航|里程|\brange\b|\bmileage\b"),
        _rx(rf"{_NUM}{_SCALE}(?:公里|千米|km|英里|miles)"),
    ),
    AttributeKind(
        "age",
        _rx(r"多大年纪|多少岁|几岁|年龄|岁数|年纪|多大了|\bhow old\b|\bwhat age\b|\b(?:his|her|their)\s+age\b"),
        _rx(_AGE),
        None,
        False,
    ),
    AttributeKind(
        "birth",
        _rx(r"出生|生于|生日|\bborn\b|\bbirth"),
        _rx(_YEAR + "|" + _DAY),
        _rx(r"出生|生于|年生|生人|born|birth"),
        False,
    ),
    AttributeKind(
        "education",
        _rx(
            rf"(?:毕业|就读|读|攻读|求学|获得|取得|拿到).{{0,12}}{_WHICH_SCHOOL}|{_WHICH_SCHOOL}.{{0,16}}(?:毕业|读|求学|学位|"
            r"博士|硕士|学士|本科|专业)|母校|"
            r"\bwhich (?:university|school|college)\b.{0,80}\b(?:degree|doctorate|ph\.?d|graduat|stud)|"
            r"\b(?:degree|doctorate|ph\.?d) (?:from|at)\b|\bwhere did\b.{0,40}\b(?:study|graduate)|"
            r"\balma mater\b"
        ),
        _rx(_SCHOOL),
        _rx(_STUDY),
        False,
    ),
    AttributeKind(
        "career",
        _rx(
            r"(?:加入|进入|担任|创办|创立).{0,16}(?:之前|以前|前)|此前在|之前在|以前在|曾在哪|曾经在哪|曾任|"
            r"\bbefore (?:(?:he|she) )?(?:join|found|start)(?:s|ed|ing)?\b|\bpreviously\b|\bformerly\b|"
            r"\bused to work\b"
        ),
        _rx(r"曾|此前|之前|以前|先后|历任|早年|原任|前任|出身|起步|formerly|previously|former|earlier"),
        None,
        False,
    ),
    AttributeKind(
        "role",
        _rx(r"什么职务|什么职位|担任什么|任什么职|头衔|职称|什么身份|\bwhat (?:position|role|title|post)\b"),
        _rx(PERSON_TITLE.pattern + r"|担任|出任|任职|职务|position|role|chair|director|president|officer"),
        None,
        False,
    ),
    AttributeKind(
        "author",
        _rx(r"谁写|谁撰写|作者是谁|谁是作者|由谁(?:撰写|执笔|写)|\bwho wrote\b|\bwritten by\b|\bauthor of\b"),
        _rx(
            r"作者|撰文|撰写|执笔|撰稿|记者|编辑|评论员|通讯员|主笔|特约|特邀|文[/／]|著|写|\bby\b|author|wrote|written"
        ),
        None,
        False,
    ),
    AttributeKind(  # a code is no count: "代码是多少" asks for an identifier
        "code",
        _rx(
            r"(?:股票|证券|股份|上市|交易)代码|代码(?:是|为)(?:多少|什么)|"
            r"\bticker\b|\b(?:stock|securities|share) (?:code|symbol)\b"
        ),
        _rx(_CODE),
        _rx(r"代码|股票|证券|港股|上市|ticker|code|stock"),
        False,
    ),
    AttributeKind("rank", _rx(r"第几|排名|排第|名次|\brank(?:ed|ing|s)?\b"), _rx(_RANK), None, False),
    AttributeKind(
        "duration",
        _rx(r"多长时间|多久|几年时间|多少年|\bhow long\b"),
        _rx(_DURATION),
        None,
        False,
    ),
    AttributeKind(
        "day",
        _rx(r"哪一?天|哪一日|几号|几月几日|具体日期|什么日期|\bwhat date\b|\bwhich day\b|\bon what (?:date|day)\b"),
        _rx(_DAY),
        None,
        False,
    ),
    AttributeKind("month", _rx(r"哪个?月|几月份?|哪一月|\bwhat month\b|\bwhich month\b"), _rx(_MONTH), None, False),
    AttributeKind(
        "year",
        _rx(r"哪一?年|何年|什么年份|哪个年份|\b(?:what|which) year\b|\bin what year\b"),
        _rx(_YEAR),
        None,
        False,
    ),
    AttributeKind(
        "when",
        _rx(r"何时|什么时候|什么时间|\bwhen (?:did|does|do|was|were|is|are|will|would|has|have|had)\b"),
        _rx(_WHEN),
        None,
        False,
    ),
)

#: Years, quarters and halves a question pins down ("2023年", "in 2023", "一季度", "Q1", "上半年").
_PINNED_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:\s*年|(?![\d%％.]))")
_PINNED_PERIOD = _rx(
    r"[一二三四1-4１-４]\s*季度|第[一二三四]季度|(?<![A-Za-z0-9])Q[1-4](?!\d)|[上下]半年|前[一二三四五六七八九十\d]+个?月"
)
#: A unit the question asks the amount in ("多少万辆", "多少GWh", "几台"): the value must come in that unit.
_ASKED_UNIT = re.compile(
    r"(?:多少|几)\s*[万亿千百]*\s*(美元|欧元|日元|英镑|港元|元|台|辆|家|位|名|人|件|部|款|架|颗|座|所|吨|公里|千米|"
    r"平方米|亩|千瓦时|千瓦|兆瓦|吉瓦|瓦|公斤|千克|[GMkKT]Wh|GW|MW|kW|TB|GB|km)"
)
#: An English question that asks for an amount in a currency ("in yuan", "in US dollars").
_IN_CURRENCY = _rx(r"\bin (?:(?:US|U\.S\.|American) )?(?:yuan|renminbi|RMB|dollars|euros|yen)\b")
_MODEL = re.compile(
    r"(?<![A-Za-z0-9.])(?:[A-Za-z]+[-.]?\d[A-Za-z0-9.\-]*|\d+[A-Za-z][A-Za-z0-9.\-]*|0\d+)(?![A-Za-z0-9])"
)
_PERIOD_NAME = re.compile(r"^[QH][1-4]$", re.IGNORECASE)  # quarters and halves are periods (`_period`)
#: Any number: what a 多少/how many question asks for when no attribute of the table names it.
_ANY_NUMBER = AttributeKind("number", _rx(r"多少|几|\bhow (?:many|much)\b"), _rx(_COUNT))
_NEAR = 20  # characters between the attribute word and its value (12–30 measured alike on the dev set)


def _asked_kinds(question: str, lists: bool) -> list[AttributeKind]:
    """The attribute kinds the question asks for (a quantity kind only when it asks for an amount, not for a list
    of things: `QuestionInfo.lists`)."""
    plain = QUOTED_TITLE.sub(" ", question)
    # 有哪几类 / how many kinds: a count of kinds, not an amount
    quantity = bool(_QUANTITY.search(plain)) and not lists and not asked_counts(plain)
    return [kind for kind in ATTRIBUTES if kind.asked.search(plain) and (quantity or not kind.quantity)]


def _near(words: re.Pattern[str], value: re.Pattern[str], text: str) -> bool:
    """An attribute word within `_NEAR` characters of a value of its kind."""
    spots = [m.span() for m in words.finditer(text)]
    return any(
        any(ws - _NEAR <= ve and vs <= we + _NEAR for ws, we in spots)
        for vs, ve in (m.span() for m in value.finditer(text))
    )


def _holds(kind: AttributeKind, text: str, level: int) -> bool:
    if not kind.value.search(text):
        return False
    return level < 3 or kind.words is None or _near(kind.words, kind.value, text)


def _pins(question: str) -> list[re.Pattern[str]]:
    """What the cited text must repeat: the years and periods of the question and the unit it asks in."""
    plain = QUOTED_TITLE.sub(" ", question)
    pins = [re.compile(rf"(?<!\d){year}(?!\d)|今年|去年|前年|上年|同年|当年") for year in _PINNED_YEAR.findall(plain)]
    pins += [_period(m.group(0)) for m in _PINNED_PERIOD.finditer(plain)]
    if unit := _ASKED_UNIT.search(plain):
        pins.append(re.compile(rf"(?:\d|[零〇一二两三四五六七八九十百千几数]){_SCALE}{re.escape(unit.group(1))}", re.I))
    elif _IN_CURRENCY.search(plain):  # "… revenue in 2019, in yuan?": an amount of money, not a growth rate
        pins.append(_rx(_MONEY))
    return pins


_QUARTER = {"1": "1一１", "2": "2二２", "3": "3三３", "4": "4四４"}
_DIGIT = {c: d for d, cs in _QUARTER.items() for c in cs}


def _period(asked: str) -> re.Pattern[str]:
    """A pinned period as the cited text may write it: Q1 = 1季度 = 一季度 = 第一季度; other periods as asked."""
    quarter = re.search(r"[1-4１-４一二三四]", asked) if re.search(r"季度|Q", asked) else None
    if quarter is None:
        return re.compile(re.escape(squash(asked)))
    n = _DIGIT[quarter.group(0)]
    return re.compile(rf"(?<![A-Za-z0-9])Q{n}(?!\d)|第?[{_QUARTER[n]}]\s*季度", re.IGNORECASE)


def _models(question: str) -> list[str]:
    """Model names and numbers the question asks about (H100, SU7, 009, Qwen1.5-72B; not years, not Q1/H1)."""
    return [m.lower() for m in _MODEL.findall(question) if not _PINNED_YEAR.fullmatch(m) and not _PERIOD_NAME.match(m)]


_WHEN = frozenset({"day", "month", "year", "when"})  # kinds that only place something in time
#: Kinds whose value is a count (`_COUNT`): the thing counted must stand next to it.
_COUNT_KINDS = frozenset({"trade", "sales", "capacity", "workforce", "users", "parameters", "change", "number"})
#: The words after 多少/几 (and a measure word) in a Chinese count question: 多少家参展商 → 参展商.
_COUNTED = re.compile(rf"(?:多少|几)\s*[万亿千百]*\s*{_MEASURE}?([\u4e00-\u9fff]{{2,8}})")
_NOUN_TAGS = ("n", "vn", "nz", "ng")


def _counted_pins(question: str) -> list[re.Pattern[str]]:
    """The thing a Chinese count question counts, next to a count (多少家参展商: a count near 参展商): any noun of
    the words after 多少 up to a conjunction; a noun of four characters or more may stand by its first or last two
    (新能源汽车: 汽车)."""
    match = _COUNTED.search(QUOTED_TITLE.sub(" ", question))
    phrase = re.split(r"[和与及或、，,]", match.group(1))[0] if match else ""
    nouns = tagged_words(phrase, _NOUN_TAGS)
    if not nouns:
        return []
    parts = [part for noun in nouns for part in (noun, *((noun[:2], noun[-2:]) if len(noun) >= 4 else ()))]
    either = "|".join(re.escape(p) for p in dict.fromkeys(parts))
    return [re.compile(rf"(?:{_COUNT}).{{0,{_NEAR}}}?(?:{either})|(?:{either}).{{0,{_NEAR}}}?(?:{_COUNT})")]


def _requirements(question: str, level: int) -> tuple[list[AttributeKind], list[re.Pattern[str]], list[str]]:
    """(the asked kinds, the pinned years/periods/unit, the model numbers) that `level` checks."""
    info = QuestionInfo.parse(question)
    asks = info.kinds
    kinds = _asked_kinds(question, info.lists)
    if any(k.words is not None for k in kinds):  # 哪一年出生: the birth, not any year, must be given
        kinds = [k for k in kinds if k.words is not None or k.name not in _WHEN]
    if ORIGIN in asked_entities(question) and "date" not in asks:  # where was … born: a place, not a birthday
        kinds = [k for k in kinds if k.name != "birth"]
    asks_value = bool(asks & {"number", "date"} or kinds)  # "What was X's revenue in 2023?" pins 2023 too
    pins = _pins(question) if level >= 2 and asks_value and not info.lists else []
    if not kinds and "number" in asks and not info.lists:
        kinds = [_ANY_NUMBER]
    if level >= 3 and any(k.name in _COUNT_KINDS for k in kinds):
        pins += _counted_pins(question)
    return kinds, pins, _models(question) if level >= 4 else []


def _gives(text: str, kind: AttributeKind | None, pins: list[re.Pattern[str]], models: list[str], level: int) -> bool:
    """One cited sentence gives the kind's value (None: no kind asked), the pinned years/unit and the models."""
    return (
        (kind is None or _holds(kind, text, level))
        and all(p.search(text) for p in pins)
        and all(m in text.lower() for m in models)
    )


def _without_quoted_names(text: str, question: str) -> str:
    """`text` without the names the question quotes (the 千辆 of “十城千辆” is no count of cars); the model numbers
    in them stay, for the model check."""
    for name in QUOTED_TITLE.findall(question):
        if len(name) > 2:
            text = text.replace(squash(name), " ".join(["", *_MODEL.findall(name), ""]))
    return text


#: Places that stand for no rival of the place asked about (全国, 全球, 我国).
_WIDE_PLACES = frozenset("中国 我国 全国 国内 国外 全球 世界 海外 国际 东部 中部 西部 中西部".split())


_PLACE_SUFFIX = re.compile(r"(?:省|市|自治区|特别行政区)$")


def _named_places(text: str) -> set[str]:
    return set(tagged_words(text, ("ns",))) - _WIDE_PLACES


def _another_places(question: str, giving: list[str]) -> bool:
    """A Chinese question for an amount names a place (印度) and every sentence giving the amount names another place
    and not it: the figure is another place's (越南的1130万人)."""
    asked = {_PLACE_SUFFIX.sub("", p) or p for p in _named_places(QUOTED_TITLE.sub(" ", question))}  # 北京市 is 北京
    return bool(asked) and all(not any(p in t for p in asked) and _named_places(t) for t in giving)


def asks_attribute(question: str, level: int = 4) -> bool:
    """The question asks for an attribute `missing_attribute` checks (a kind of value, a pinned year or unit, or an
    entity such as a place)."""
    if level <= 0:
        return False
    kinds, pins, _ = _requirements(question, level)
    return bool(kinds or pins or asked_entities(question))


def _missing_value(question: str, texts: list[str], level: int) -> str | None:
    """The asked value kind (or "year, period or unit") that the squashed cited `texts` do not give."""
    kinds, pins, models = _requirements(question, level)
    values = [_without_quoted_names(t, question) for t in texts]
    if level >= 4:
        asked = kinds or ([None] if pins else [])
        giving = [t for t in values if any(_gives(t, kind, pins, models, level) for kind in asked)]
        amounts = any(k.quantity for k in kinds)  # a figure (not a year or a school) is what is swapped
        if (asked and not giving) or (amounts and _another_places(question, giving)):
            return asked[0].name if asked[0] else "year, period or unit"
        return None
    if kinds and not any(_holds(kind, t, level) for kind in kinds for t in values):
        return kinds[0].name
    if any(not any(p.search(t) for t in values) for p in pins):
        return "year, period or unit"
    return None


def missing_attribute(question: str, quotes: Sequence[str], level: int = 4) -> str | None:
    """The asked attribute that the cited `quotes` do not give (its kind's name, or "year, period or unit"), or
    None when they give it or the question asks for no such attribute. When the question's wording fits several
    kinds ("what share … subsidy fraud": a rate or a sum), a value of any of them will do.

    `level`: 0 no check; 1 the value of the asked kind (or the asked entity, `entities`) must be in a quote; 2 also
    every year, period and unit the question pins down; 3 also the attribute's word or a synonym near the value;
    4 also one sentence must give the value with the pinned years and unit and the model numbers the question
    names (H100, 009)."""
    if level <= 0 or not quotes:
        return None
    texts = [squash(q) for q in quotes]
    return _missing_value(question, texts, level) or missing_entity(question, texts)


__all__ = ["ATTRIBUTES", "AttributeKind", "asks_attribute", "missing_attribute"]
