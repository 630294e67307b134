"""Cited answers from the retrieved passages: extractive by default (offline), generative when an LLM is configured.

Extractive answering
    The sentences of the top passages are scored against the question with the embedding model (cosine of the
    query vector and the sentence's passage vector, one batch), lexical overlap (IDF-weighted jieba terms and
    character bigrams) and the kind of fact asked for (a number for 多少, a date for 何时, a list for 哪些, a
    person for 谁, an organisation for 哪家单位 …). The best few non-redundant sentences form the answer, each
    followed by its `[n]` marker; `n` numbers the sources (the retrieved passages, in rank order).

Abstention
    `Answer.confidence` (0–1) measures the evidence; below `threshold` the answer is `资料中没有找到…` /
    "The magazine does not say…" and the closest passages are still returned as sources.
    `abstention_tradeoff` reports abstention on unanswerable vs false abstention on answerable questions for a
    grid of thresholds from one pass of confidences.

Generative answering (`llm=LLMConfig(...)`)
    The passages are fenced as data in the prompt (`rag.llm`), the answer is streamed, and afterwards every
    `[n]` marker is checked (`check_citations`): it must name a source whose passage supports its sentence.
    Unsupported markers are removed and the answer carries a notice. Any endpoint failure falls back to the
    extractive answer with a notice; nothing is raised to the caller except `QueryError` for bad input.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .embedding import Embedder
from .lexical import tokenize
from .llm import NOT_FOUND_ZH, LLMConfig, LLMError, build_messages, stream_chat
from .retrieve import Retriever, SearchFilter, check_query
from .text import CJK, has_cjk, split_sentences, squash
from .types import Chunk, Document, Hit

log = logging.getLogger(__name__)

#: Default abstention threshold on `Answer.confidence` (chosen on eval/questions.jsonl; see the report).
DEFAULT_THRESHOLD = 0.45

ABSTAIN_ZH = "资料中没有找到这个问题的答案。"
ABSTAIN_EN = "The magazine does not say. The closest passages are listed as sources."
ENGLISH_NOTE = "(The magazine is in Chinese: the evidence sentences below are quoted in the original.)"

EXTRACTIVE = "extractive"

SENTENCE_PUNCT = "。！？；…!?;"
_CLOSERS = "”’」』）》】〕)\"'"
_MARKER = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]")
_NOT_WORD = re.compile(rf"[^0-9a-z{CJK}]+")


# ---------------------------------------------------------------- data types


@dataclass(frozen=True)
class Source:
    """Retrieved passage `n` (1-based, in rank order) with its document; `[n]` markers refer to it."""

    n: int
    chunk: Chunk
    document: Document
    score: float

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def passage(self) -> str:
        return self.chunk.text

    @classmethod
    def from_hit(cls, n: int, hit: Hit) -> Source:
        return cls(n, hit.chunk, hit.document, float(hit.score))

    def doc_json(self) -> dict[str, Any]:
        doc = self.document
        return {"id": doc.id, "title": doc.title, "authors": list(doc.authors), "section": doc.section,
                "page": doc.page}

    def label(self) -> str:
        """A one-line human label: 《title》｜section｜authors｜P page."""
        doc = self.document
        parts = [f"《{doc.title}》", doc.section or "", " ".join(doc.authors), f"P{doc.page}" if doc.page else ""]
        return "｜".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "chunk_id": self.chunk.id, "doc": self.doc_json(), "passage": self.chunk.text,
                "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class Citation:
    """Marker `[n]`: `quote` is the cited sentence, `passage[span[0]:span[1]]` of source `n`."""

    n: int
    chunk_id: str
    quote: str
    span: tuple[int, int]


@dataclass
class Answer:
    """An answer with its citations and sources. `confidence` (0–1) is the raw evidence score behind abstention."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    sources: list[Source]
    answerer: str = EXTRACTIVE
    notice: str | None = None
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        by_n = {s.n: s for s in self.sources}
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [
                {
                    "n": c.n,
                    "chunk_id": c.chunk_id,
                    "doc": by_n[c.n].doc_json() if c.n in by_n else None,
                    "quote": c.quote,
                    "span": [c.span[0], c.span[1]],
                }
                for c in self.citations
            ],
            "sources": [s.to_json() for s in self.sources],
            "answerer": self.answerer,
            "notice": self.notice,
        }


@dataclass(frozen=True)
class AnswerConfig:
    """Knobs of the extractive answerer (the defaults were set on the development questions)."""

    threshold: float = DEFAULT_THRESHOLD
    max_hits: int = 6  # passages mined for sentences
    max_candidates: int = 40  # sentences considered (pre-ranked lexically when there are more)
    max_embedded: int = 12  # sentences embedded in one batch (Chinese questions: lexical pre-ranking is good)
    max_embedded_english: int = 24  # English questions rely on the embedding alone
    max_sentences: int = 4
    margin: float = 0.06  # further sentences must score within this of the best
    w_dense: float = 1.0
    w_lexical: float = 0.35
    w_kind: float = 0.08
    w_rank: float = 0.04
    w_echo: float = 0.1  # penalty for sentences that mostly repeat the question
    w_title: float = 0.1  # bonus for sentences of the article the question names by its 《title》
    w_defines: float = 0.15  # bonus for "X是指……" when the question asks what X means
    embed_chars: int = 120  # sentences are cut to this length for embedding
    # Cosine ranges mapped to 0–1 in the confidence (calibrated for the bundled multilingual-e5-small; other
    # embedders should be re-calibrated with `abstention_tradeoff`). English questions score lower cosines
    # against the Chinese text, hence their own range.
    dense_range: tuple[float, float] = (0.85, 0.95)
    dense_range_english: tuple[float, float] = (0.72, 0.82)


DEFAULT_CONFIG = AnswerConfig()


# ---------------------------------------------------------------- sentences


def _continues(piece: str) -> bool:
    """A line that ends mid-sentence (PDF line break) rather than a heading or a key: value line."""
    body = piece.strip()
    if not body or body[-1] in SENTENCE_PUNCT + _CLOSERS + ":：":
        return False
    return body[-1] in "，、（《“(" or (("，" in body or "、" in body) and len(body) >= 12)


def passage_sentences(text: str, max_chars: int = 400) -> list[tuple[int, int]]:
    """Trimmed character spans of the sentences of `text` (a line broken mid-sentence is rejoined)."""
    pieces = split_sentences(text)
    merged: list[list[int]] = []
    joining = False
    for start, end in pieces:
        if joining and merged and end - merged[-1][0] <= max_chars:
            merged[-1][1] = end
        else:
            merged.append([start, end])
        piece = text[start:end]
        joining = piece.endswith("\n") and _continues(piece)
    spans = []
    for start, end in merged:
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        s, e = start + lead, end - trail
        if e > s and len(_NOT_WORD.sub("", text[s:e].lower())) >= 2:
            spans.append((s, e))
    return spans


def _display(sentence: str) -> str:
    """A sentence for the answer text: line breaks removed (between Chinese) or made spaces."""
    out = re.sub(rf"(?<=[{CJK}，、：；（《“])\s*\n\s*(?=[{CJK}])", "", sentence.strip())
    out = re.sub(r"\s*\n\s*", " ", out)
    if out and out[-1] not in SENTENCE_PUNCT + _CLOSERS + ":：":
        out += "。"
    return out


def _norm(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def _bigrams(text: str) -> set[str]:
    t = _norm(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def near_duplicate(a: str, b: str, jaccard: float = 0.5, containment: float = 0.8) -> bool:
    """True when two sentences say (nearly) the same thing: bigram Jaccard or containment above the limits."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return _norm(a) == _norm(b)
    inter = len(x & y)
    return inter / len(x | y) >= jaccard or inter / min(len(x), len(y)) >= containment


# ---------------------------------------------------------------- the question


_Q_LIST = re.compile(
    r"哪些|哪几|有哪|哪[两二三四五六七八九十]|[两二三四五六七八九十]大|包括什么|包含什么|包括哪|分别|"
    r"\bwhat (?:are|were) the\b|\bwhich (?:\w+ )?(?:companies|countries|fields|areas|measures|steps|ways|products|"
    r"technologies|sectors|cities|regions|challenges)\b|\blist\b",
    re.IGNORECASE,
)
_Q_NUMBER = re.compile(
    r"多少|(?<!哪)几(?![乎])|多[大高长久远重快]|比例|比重|占比|百分之|增长了?多|增速|第几|排名|排第|规模|"
    r"\bhow (?:many|much|long|far|old|large|big|fast|high)\b|\bwhat (?:percentage|proportion|share|fraction|"
    r"number|amount|price|rate)\b|\bby how\b|\brank",
    re.IGNORECASE,
)
_Q_DATE = re.compile(
    r"何时|什么时候|哪一?年|哪一?天|哪一?月|几月|几号|几日|什么时间|日期|时间是|"
    r"\bwhen\b|\bwhat (?:year|date|month|day|time)\b|\bwhich (?:year|date|month|day)\b|\bin what year\b",
    re.IGNORECASE,
)
_Q_PERSON = re.compile(r"谁|哪位|何人|什么人|\bwho(?:m|se)?\b", re.IGNORECASE)
_Q_ORG = re.compile(
    r"哪[家个所]?(?:单位|机构|公司|企业|大学|高校|学院|部门|组织|厂|研究院|研究所|咨询)|哪家|在哪(?:里|儿)?(?:工作|任职|任教|就职)|"
    r"什么(?:单位|机构|公司|企业)|\bwhich (?:company|companies|organi[sz]ation|institution|university|body|agency|"
    r"firm|consulting|team)\b",
    re.IGNORECASE,
)
_Q_DEFINITION = re.compile(r"什么是|是什么意思|指什么|何谓|什么意思|含义|比作|\bwhat (?:is|are|does)\b.*\bmean|\bdefin",
                           re.IGNORECASE)

#: Question words that carry no topic but survive `rag.lexical` stop words.
_QUESTION_NOISE = frozenset(
    """
    多大 多高 多久 多长 多远 多重 哪家 哪位 哪年 哪一年 哪天 哪一天 哪里 哪儿 哪种 哪项 哪类 哪一 哪一次
    怎么样 怎样 如何 是否 多少钱 几个 几次 几位 几年 第几 哪几个 哪几种 哪几 具体 分别 一共 大约 大概 大致
    目前 当时 这一 这本 这篇 该文 一文 认为 提出 意思
    什么 什么样 哪个 哪些 为什么 是不是 多少 几 谁 何时 时候 有没有 能否 举例 列举 例子 之所以 这里 采用
    many much according what which who whose whom when how did does do is are was were the of in to
    """.split()
)


def is_english(question: str) -> bool:
    """An English question: no Chinese at all, or Latin letters outnumber Chinese characters 3 to 1
    ("What is the ISSN of 《中国工业和信息化》?" is English)."""
    cjk = len(re.findall(f"[{CJK}]", question))
    latin = len(re.findall(r"[A-Za-z]", question))
    return cjk == 0 or latin >= 3 * cjk


def _merge_singles(question: str, tokens: list[str]) -> list[str]:
    """Rejoin runs of single Chinese characters that jieba split off a name it does not know (昇 腾 → 昇腾)."""
    low = question.lower()
    out: list[str] = []
    run = ""
    for token in tokens + [""]:
        single = len(token) == 1 and has_cjk(token)
        if single and run and (run + token) in low:
            run += token
            continue
        if run:
            out.append(run)
        run = token if single else ""
        if not single and token:
            out.append(token)
    return out


_DEFINIENDUM = re.compile(
    r"[“\"「]([^”\"」]{1,12})[”\"」](?:是什么意思|指什么|是指什么|是什么|的意思)|"
    r"什么是([^？?，。]{1,12})|([^，。？?“”]{1,12})(?:是什么意思|指的是什么|指什么)"
)


@dataclass(frozen=True)
class QuestionInfo:
    """What the answerer reads from a question: language, the kinds of fact asked for, the topic terms."""

    text: str
    english: bool
    kinds: frozenset[str]
    terms: tuple[str, ...]
    compound: bool
    subject: str = ""  # the term a definition question asks about

    @classmethod
    def parse(cls, question: str) -> QuestionInfo:
        kinds = set()
        if _Q_LIST.search(question):
            kinds.add("list")
        if _Q_DATE.search(question):
            kinds.add("date")
        if _Q_NUMBER.search(question) and "date" not in kinds:
            kinds.add("number")
        if _Q_PERSON.search(question):
            kinds.add("person")
        if _Q_ORG.search(question):
            kinds.add("org")
        if _Q_DEFINITION.search(question):
            kinds.add("definition")
        terms = tuple(dict.fromkeys(t for t in _merge_singles(question, tokenize(question))
                                    if t not in _QUESTION_NOISE and _norm(t)))
        marks = len(re.findall(r"[？?]", question.strip().rstrip("？? ")))
        compound = marks >= 1 or "分别" in question or bool(re.search(r"\band\b.*\?|同时", question))
        subject = ""
        if "definition" in kinds and (m := _DEFINIENDUM.search(question)):
            subject = next(g for g in m.groups() if g).strip("“”\"「」 ")
        return cls(question, is_english(question), frozenset(kinds), terms, compound, subject)


# ---------------------------------------------------------------- sentence features


_DIGIT = re.compile(r"\d")
_CN_NUMBER = re.compile(
    r"[零一二两三四五六七八九十百千万亿]+"
    r"(?:个|位|次|家|项|种|倍|年|月|日|天|元|美元|人|名|所|座|款|台|辆|条|类|成|分之)"
)
_DATE = re.compile(
    r"(?:1[89]|20)\d{2}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月(?:份|底|初|中旬|下旬|上旬)?|"
    r"[〇零一二三四五六七八九]{4}年|年[底初末]|上半年|下半年|(?:1[89]|20)\d{2}[-/.]\d{1,2}"
)
_ENUMERATION = re.compile(r"一是|二是|第一|第二|首先|其次|其一|其二|[①②③④⑤]|[（(][一二三1-9][)）]")
_PERSON_TITLE = re.compile(
    r"董事长|总经理|总裁|CEO|首席|部长|司长|局长|主任|教授|博士|院士|专家|总编辑|主编|社长|记者|创始人|负责人|书记|研究员|"
    r"经济师|工程师|秘书长|主席|理事长|院长|校长|总监|合伙人|分析师|咨询师"
)
_ORG = re.compile(
    r"公司|集团|大学|学院|研究院|研究所|研究中心|中心|协会|学会|委员会|联盟|实验室|出版社|印刷|工厂|银行|机构|部门|政府"
)
_DEFINES = r"[”」\"]?(?:是指|指的是|指|即|就是|是一种|意味着)"
_DEFINITION = re.compile(r"是指|指的是|即|定义为|称为|是一种|意味着|就是|相当于|等于|好比")


def _person_score(sentence: str, authors: Iterable[str]) -> float:
    if any(a and a in sentence for a in authors):
        return 1.0
    try:
        import jieba.posseg as pseg

        from .lexical import _jieba

        _jieba()  # shared dictionary, initialised quietly
        names = [w for w, flag in pseg.cut(sentence) if flag == "nr" and len(w) >= 2]
    except Exception:  # pragma: no cover - jieba is a hard dependency of the index anyway
        names = []
    title = bool(_PERSON_TITLE.search(sentence))
    return 1.0 if names and title else 0.5 if names else 0.4 if title else 0.0


def kind_score(sentence: str, kinds: Iterable[str], authors: Iterable[str] = (), subject: str = "") -> float:
    """How well a sentence holds the kind(s) of fact asked for, 0–1 (the mean over kinds)."""
    kinds = list(kinds)
    if not kinds:
        return 0.0
    total = 0.0
    for kind in kinds:
        if kind == "number":
            total += 1.0 if _DIGIT.search(sentence) else 0.6 if _CN_NUMBER.search(sentence) else 0.0
        elif kind == "date":
            total += 1.0 if _DATE.search(sentence) else 0.0
        elif kind == "list":
            commas = sentence.count("、")
            total += 1.0 if commas >= 2 else 0.8 if _ENUMERATION.search(sentence) else 0.6 if commas == 1 else 0.0
        elif kind == "person":
            total += _person_score(sentence, authors)
        elif kind == "org":
            total += 1.0 if _ORG.search(sentence) else 0.0
        elif kind == "definition":
            if subject and re.search(re.escape(subject) + _DEFINES, sentence):
                total += 1.0
            else:
                total += 0.5 if _DEFINITION.search(sentence) else 0.0
    return total / len(kinds)


# ---------------------------------------------------------------- corpus statistics


_MAX_DF_TEXTS = 20000
_corpus_lock = threading.Lock()
_corpus_texts: dict[int, tuple[weakref.ref, list[str]]] = {}


def _texts_for_df(index: Any) -> list[str]:
    """Lower-cased chunk texts (with headers) of an index, cached per index object (sampled when huge)."""
    key = id(index)
    with _corpus_lock:
        entry = _corpus_texts.get(key)
        if entry is not None and entry[0]() is index:
            return entry[1]
        chunks = list(getattr(index, "chunks", []))
        if len(chunks) > _MAX_DF_TEXTS:
            step = len(chunks) / _MAX_DF_TEXTS
            chunks = [chunks[int(i * step)] for i in range(_MAX_DF_TEXTS)]
        texts = [squash(f"{c.header}\n{c.text}").lower() for c in chunks]
        for k in [k for k, (ref, _) in _corpus_texts.items() if ref() is None]:
            del _corpus_texts[k]
        try:
            _corpus_texts[key] = (weakref.ref(index), texts)
        except TypeError:  # an object without weak references: do not cache
            pass
        return texts


def term_weights(terms: Sequence[str], texts: Sequence[str]) -> dict[str, float]:
    """IDF of each term over `texts` (substring document frequency): rare terms weigh more."""
    n = len(texts)
    weights = {}
    for term in terms:
        df = sum(1 for t in texts if term in t)
        weights[term] = max(0.1, math.log((n + 1.0) / (df + 0.5)))
    return weights


# ---------------------------------------------------------------- scoring


@dataclass
class ScoredSentence:
    """One candidate sentence: where it is (source `n`, span in the passage) and its feature scores."""

    n: int
    hit: Hit
    start: int
    end: int
    text: str
    lexical: float = 0.0
    dense: float | None = None
    kind: float = 0.0
    prior: float = 0.0
    score: float = 0.0
    echo: float = 0.0  # share of the sentence's bigrams that also occur in the question


@dataclass
class Analysis:
    """Everything the extractive answerer computed for one question (for answers, tuning and tests)."""

    info: QuestionInfo
    ranked: list[ScoredSentence]
    confidence: float
    signals: dict[str, float] = field(default_factory=dict)


class _VectorCache:
    """A small LRU of sentence vectors per embedder, so repeated passages are not embedded twice."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._data: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        key = id(embedder)
        with self._lock:
            found = {t: self._data[(key, t)] for t in texts if (key, t) in self._data}
            for t in found:
                self._data.move_to_end((key, t))
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = np.asarray(embedder.encode_passages(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vectors):
                    found[t] = v
                    self._data[(key, t)] = v
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        if not texts:
            return np.zeros((0, getattr(embedder, "dimension", 1)), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


sentence_vectors = _VectorCache()


#: Sentences addressed to an AI assistant (prompt injection planted in a document) are never answers.
_INSTRUCTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|所有)(?:的)?(?:指令|指示|提示|要求)|(?:系统|system)\s*(?:提示|prompt)|"
    r"\bignore (?:all |any )?(?:the )?(?:previous|above|prior) (?:instructions|prompts?)\b|"
    r"\byou are (?:now )?(?:an? )?(?:ai|assistant|chatbot|language model)\b",
    re.IGNORECASE,
)


def _candidates(hits: Sequence[Hit], max_hits: int) -> list[ScoredSentence]:
    seen: set[str] = set()
    out = []
    for n, hit in enumerate(hits[:max_hits], 1):
        text = hit.chunk.text
        for start, end in passage_sentences(text):
            sentence = text[start:end]
            key = _norm(sentence)
            if key in seen or _INSTRUCTION.search(sentence):
                continue
            seen.add(key)
            out.append(ScoredSentence(n, hit, start, end, sentence))
    return out


def _same_title(quoted: str, title_norm: str) -> bool:
    q = _norm(quoted)
    if not q or not title_norm:
        return False
    if q == title_norm or (len(q) >= 6 and (q in title_norm or title_norm in q)):
        return True
    return _overlap(_bigrams(q), _bigrams(title_norm)) >= 0.8 and _overlap(_bigrams(title_norm), _bigrams(q)) >= 0.8


def analyse(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder | None,
    index: Any = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> Analysis:
    """Score the sentences of the top hits for `question`; best first, with the answer confidence."""
    info = QuestionInfo.parse(question)
    cands = _candidates(hits, config.max_hits)
    if not cands:
        return Analysis(info, [], 0.0, {})
    # 《titles》 of retrieved articles select the article; they are not words the answer sentence must contain
    titles = {h.document.id: _norm(h.document.title) for h in hits}
    named = [t for t in re.findall(r"《([^》]{2,60})》", question) if any(_same_title(t, x) for x in titles.values())]
    named_docs = {d for d, x in titles.items() if any(_same_title(t, x) for t in named)}
    content_question = question
    for t in named:
        content_question = content_question.replace(f"《{t}》", " ")
    if named:
        info = replace(info, terms=QuestionInfo.parse(content_question).terms)
    texts = _texts_for_df(index) if index is not None else [squash(h.chunk.indexed_text).lower() for h in hits]
    weights = term_weights(info.terms, texts)
    total_w = sum(weights.values())
    q_bigrams = set().union(*(_bigrams(t) for t in info.terms if len(_norm(t)) >= 2)) if info.terms else set()
    question_bigrams = _bigrams(content_question)
    # how much of the question's weight occurs anywhere in the corpus at all
    present_w = sum(w for t, w in weights.items() if any(t in x for x in texts))

    contexts: dict[int, str] = {}
    for c in cands:
        if c.n not in contexts:
            doc = c.hit.document
            context = f"{c.hit.chunk.header}\n{doc.title}\n{' '.join(doc.authors)}\n{c.hit.chunk.text}"
            contexts[c.n] = squash(context).lower()
    for c in cands:
        low = squash(c.text).lower()
        if total_w:
            cov = sum(w * (1.0 if t in low else 0.3 if t in contexts[c.n] else 0.0) for t, w in weights.items())
            cov /= total_w
        else:
            cov = 0.0
        big = _overlap(q_bigrams, _bigrams(c.text)) if q_bigrams else 0.0
        c.lexical = 0.6 * cov + 0.4 * big
        c.kind = kind_score(c.text, info.kinds, c.hit.document.authors, info.subject)
        c.prior = 1.0 / math.sqrt(c.n)
        penalty = 0.05 if len(_norm(c.text)) < 6 else 0.0
        penalty += 0.05 if not has_cjk(c.text) else 0.0  # cover lines, English mastheads
        penalty += 0.05 if c.hit.document.kind in ("toc", "cover") else 0.0  # they repeat titles
        sentence_bigrams = _bigrams(c.text)
        c.echo = len(sentence_bigrams & question_bigrams) / len(sentence_bigrams) if sentence_bigrams else 1.0
        penalty += config.w_echo * max(0.0, c.echo - 0.4)
        bonus = config.w_title if c.hit.document.id in named_docs else 0.0
        if info.subject and re.search(re.escape(info.subject) + _DEFINES, c.text):
            bonus += config.w_defines
        c.score = config.w_lexical * c.lexical + config.w_kind * c.kind + config.w_rank * c.prior - penalty + bonus

    cands.sort(key=lambda c: -c.score)
    cands = cands[: config.max_candidates]
    budget = config.max_embedded_english if info.english else config.max_embedded
    embedded = cands[:budget] if embedder is not None else []
    if embedded:
        q = np.asarray(embedder.encode_queries([question]), dtype=np.float32)[0]
        vecs = sentence_vectors.encode(embedder, [c.text[: config.embed_chars] for c in embedded])
        for c, cos in zip(embedded, vecs @ q):
            c.dense = float(cos)
        floor = min(c.dense for c in embedded)
        for c in cands:
            c.score += config.w_dense * (c.dense if c.dense is not None else floor)
    cands.sort(key=lambda c: (-c.score, c.n, c.start))

    best = cands[0]
    dense_top = max((h.dense_score for h in hits if h.dense_score is not None), default=None)
    signals = {
        "best_score": best.score,
        "best_lexical": best.lexical,
        "best_dense": best.dense if best.dense is not None else 0.0,
        "best_kind": best.kind,
        "max_lexical": max(c.lexical for c in cands),
        "max_dense": max((c.dense for c in cands if c.dense is not None), default=0.0),
        "hit_dense": dense_top if dense_top is not None else 0.0,
        "term_presence": present_w / total_w if total_w else 1.0,
        "n_terms": float(len(info.terms)),
    }
    confidence = _confidence(info, signals, config)
    return Analysis(info, cands, confidence, signals)


def _confidence(info: QuestionInfo, s: Mapping[str, float], config: AnswerConfig = DEFAULT_CONFIG) -> float:
    """Evidence strength 0–1.

    Chinese questions: the mean of (a) the best sentence cosine mapped from `dense_range` to 0–1, (b) the best
    sentence's lexical match and (c) the share of the question's term weight that occurs anywhere in the corpus
    (a question about 宁德时代 in a corpus that never names it is likely unanswerable). English questions have
    no lexical signal against Chinese text, so only (a) on `dense_range_english` counts.
    """
    lo, hi = config.dense_range_english if info.english else config.dense_range
    dense = min(1.0, max(0.0, (s["max_dense"] - lo) / (hi - lo))) if hi > lo else 0.0
    if info.english:
        return float(dense)
    return float(min(1.0, max(0.0, (dense + s["best_lexical"] + s["term_presence"]) / 3.0)))


_COUNT_LEAD = re.compile(
    r"[两二三四五六七八九十\d]+\s*(?:条|类|个|种|大|项|点|方面|步|阶段|路径|道路)[^，。；]{0,8}[。：:]?$"
)
_LEAD = re.compile(r"(?:如下|以下|下列|几个方面|几点)[^。！？]{0,8}[。：:]?$")


def _introduces(sentence: str, kinds: frozenset[str]) -> bool:
    """A sentence that announces what follows: "……如下：", "……归纳为4类。" (for list questions)."""
    t = sentence.rstrip()
    return t.endswith((":", "：")) or bool(_LEAD.search(t)) or ("list" in kinds and bool(_COUNT_LEAD.search(t)))


def select_sentences(analysis: Analysis, config: AnswerConfig = DEFAULT_CONFIG) -> list[ScoredSentence]:
    """The best sentence and the few others close to it in score, without near-duplicates, in reading order.

    The best sentence also brings its neighbours when it needs them: the sentence before it when that one ends
    with a colon (the speaker of a quotation), the sentences after it when it announces a list.
    """
    ranked = analysis.ranked
    if not ranked:
        return []
    best = ranked[0]
    limit = config.max_sentences if (analysis.info.compound or "list" in analysis.info.kinds) else 2
    chosen = [best]

    def add(c: ScoredSentence) -> bool:
        if len(chosen) >= config.max_sentences or any(near_duplicate(c.text, x.text) for x in chosen):
            return False
        if _INSTRUCTION.search(c.text):
            return True  # skipped, but keep going
        chosen.append(c)
        return True

    text = best.hit.chunk.text
    spans = passage_sentences(text)
    here = next((i for i, sp in enumerate(spans) if sp == (best.start, best.end)), None)
    if here is not None:
        if here > 0 and text[spans[here - 1][0] : spans[here - 1][1]].rstrip().endswith((":", "：")):
            s, e = spans[here - 1]
            add(ScoredSentence(best.n, best.hit, s, e, text[s:e], score=best.score))
        if _introduces(best.text, analysis.info.kinds):
            for s, e in spans[here + 1 : here + 4]:
                if not add(ScoredSentence(best.n, best.hit, s, e, text[s:e], score=best.score)):
                    break
        elif best.echo >= 0.75 and here + 1 < len(spans):  # it restates the question: the answer follows
            s, e = spans[here + 1]
            add(ScoredSentence(best.n, best.hit, s, e, text[s:e], score=best.score))
    for cand in ranked[1:]:
        if len(chosen) >= max(limit, 1) or cand.score < best.score - config.margin:
            break
        add(cand)
    group_best: dict[int, float] = {}
    for c in chosen:
        group_best[c.n] = max(group_best.get(c.n, -1e9), c.score)
    chosen.sort(key=lambda c: (-group_best[c.n], c.n, c.start))
    return chosen


# ---------------------------------------------------------------- answers


def _abstention(question: str, english: bool, sources: list[Source], confidence: float,
                answerer: str = EXTRACTIVE, notice: str | None = None) -> Answer:
    return Answer(question, ABSTAIN_EN if english else ABSTAIN_ZH, True, [], sources, answerer, notice, confidence)


_rows_lock = threading.Lock()
_rows: dict[int, tuple[weakref.ref, dict[str, int]]] = {}


def _chunk_row(index: Any, chunk_id: str) -> int | None:
    """Row of a chunk in `index.chunks` (cached per index object)."""
    key = id(index)
    with _rows_lock:
        entry = _rows.get(key)
        if entry is None or entry[0]() is not index:
            rows = {c.id: i for i, c in enumerate(getattr(index, "chunks", []))}
            try:
                _rows[key] = (weakref.ref(index), rows)
            except TypeError:
                return rows.get(chunk_id)
            entry = _rows[key]
    return entry[1].get(chunk_id)


def _continuation(
    analysis: Analysis, chosen: list[ScoredSentence], sources: list[Source], index: Any, config: AnswerConfig
) -> list[ScoredSentence]:
    """When the best sentence announces a list and ends its passage, the list is in the next passage of the same
    article: take its first sentences, adding that passage to `sources` when it was not retrieved."""
    best = analysis.ranked[0]
    room = config.max_sentences - len(chosen)
    if room <= 0 or not _introduces(best.text, analysis.info.kinds):
        return []
    if any(s >= best.end for s, _ in passage_sentences(best.hit.chunk.text)):
        return []
    row = _chunk_row(index, best.hit.chunk.id)
    chunks = getattr(index, "chunks", [])
    if row is None or row + 1 >= len(chunks) or chunks[row + 1].doc_id != best.hit.chunk.doc_id:
        return []
    nxt = chunks[row + 1]
    source = next((s for s in sources if s.chunk.id == nxt.id), None)
    if source is None:
        source = Source(len(sources) + 1, nxt, best.hit.document, 0.0)
        sources.append(source)
    hit = Hit(source.n, source.score, nxt, best.hit.document)
    done = best.hit.chunk.start + best.end  # document offset where the announcing sentence ends
    out = []
    for s, e in passage_sentences(nxt.text):
        sentence = nxt.text[s:e]
        if nxt.start + s < done or _INSTRUCTION.search(sentence):
            continue
        if any(near_duplicate(sentence, c.text) for c in chosen):
            continue
        out.append(ScoredSentence(source.n, hit, s, e, nxt.text[s:e], score=best.score))
        if len(out) >= min(room, 3):
            break
    return out


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    embedder: Embedder | None,
    index: Any = None,
    config: AnswerConfig = DEFAULT_CONFIG,
    threshold: float | None = None,
    analysis: Analysis | None = None,
) -> Answer:
    """The extractive answer for already-retrieved `hits` (sources are all hits, numbered in rank order)."""
    threshold = config.threshold if threshold is None else threshold
    sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
    analysis = analysis or analyse(question, hits, embedder, index, config)
    english = analysis.info.english
    if not analysis.ranked or analysis.confidence < threshold:
        return _abstention(question, english, sources, analysis.confidence)
    chosen = select_sentences(analysis, config)
    if index is not None:
        chosen += _continuation(analysis, chosen, sources, index, config)
    citations = [Citation(c.n, c.hit.chunk.id, c.text, (c.start, c.end)) for c in chosen]
    body = "".join(f"{_display(c.text)}[{c.n}]" for c in chosen)
    text = f"{ENGLISH_NOTE}\n{body}" if english else body
    return Answer(question, text, False, citations, sources, EXTRACTIVE, None, analysis.confidence)


# ---------------------------------------------------------------- citation checking


@dataclass
class CitationCheck:
    """The answer text with unsupported markers removed, the verified citations and what was removed (n, reason)."""

    text: str
    citations: list[Citation]
    removed: list[tuple[int, str]]


def _claim_before(text: str, position: int, floor: int) -> str:
    """The sentence a marker at `position` belongs to: the last sentence of text[floor:position]."""
    segment = _MARKER.sub("", text[floor:position])
    spans = [(s, e) for s, e in split_sentences(segment) if _norm(segment[s:e])]
    if not spans:
        return ""
    s, e = spans[-1]
    return segment[s:e].strip()


def check_citations(
    text: str,
    sources: Sequence[Source],
    embedder: Embedder | None = None,
    min_overlap: float = 0.4,
    min_similarity: float | None = None,
) -> CitationCheck:
    """Verify every `[n]` marker of a generated answer.

    A marker is kept when `n` names a source and its sentence is supported by that passage: at least
    `min_overlap` of the sentence's character bigrams occur in the passage, or (when an embedder is given,
    e.g. for an English sentence citing Chinese text) the sentence's query vector has cosine at least
    `min_similarity` with some sentence of the passage. Other markers are removed from the text.
    The default similarity bar (multilingual-e5-small) is 0.82 for English sentences and 0.90 for Chinese ones.
    """
    by_n = {s.n: s for s in sources}
    matches = list(_MARKER.finditer(text))
    claims: list[tuple[re.Match, str, list[int]]] = []
    floor = 0
    for m in matches:
        numbers = [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
        claim = _claim_before(text, m.start(), floor)
        claims.append((m, claim, numbers))
        # consecutive markers ("…。[1][2]") share the sentence before the first of them
        if not text[m.end() :].lstrip().startswith(("[", "［", "【")):
            floor = m.end()

    keep: dict[tuple[int, int], Citation | None] = {}
    removed: list[tuple[int, str]] = []
    pending: list[tuple[int, int, str]] = []  # (claim index, n, claim) needing the embedding check
    for i, (_m, claim, numbers) in enumerate(claims):
        for n in numbers:
            source = by_n.get(n)
            if source is None:
                keep[(i, n)] = None
                removed.append((n, "no such source"))
                continue
            if not _norm(claim):
                keep[(i, n)] = None
                removed.append((n, "marker without a sentence"))
                continue
            citation = _lexical_support(claim, source, min_overlap)
            if citation is not None:
                keep[(i, n)] = citation
            else:
                pending.append((i, n, claim))
    if pending and embedder is not None:
        for (i, n, _claim), citation in zip(pending, _dense_support(pending, by_n, embedder, min_similarity)):
            keep[(i, n)] = citation
            if citation is None:
                removed.append((n, "the passage does not support the sentence"))
    else:
        for i, n, _claim in pending:
            keep[(i, n)] = None
            removed.append((n, "the passage does not support the sentence"))

    out: list[str] = []
    citations: list[Citation] = []
    last = 0
    for i, (m, _claim, numbers) in enumerate(claims):
        out.append(text[last : m.start()])
        kept = [n for n in numbers if keep.get((i, n)) is not None]
        out.append("".join(f"[{n}]" for n in kept))
        for n in kept:
            citation = keep[(i, n)]
            if citation not in citations:
                citations.append(citation)
        last = m.end()
    out.append(text[last:])
    cleaned = re.sub(r"[ \t]+([。，；！？.,;!?])", r"\1", "".join(out)).strip()
    return CitationCheck(cleaned, citations, removed)


def _lexical_support(claim: str, source: Source, min_overlap: float) -> Citation | None:
    claim_bigrams = _bigrams(claim)
    passage = source.passage
    if not claim_bigrams or _overlap(claim_bigrams, _bigrams(passage)) < min_overlap:
        return None
    spans = passage_sentences(passage) or [(0, len(passage))]
    s, e = max(spans, key=lambda sp: (len(claim_bigrams & _bigrams(passage[sp[0] : sp[1]])), -sp[0]))
    return Citation(source.n, source.chunk.id, passage[s:e], (s, e))


def _dense_support(
    pending: list[tuple[int, int, str]], by_n: Mapping[int, Source], embedder: Embedder, min_similarity: float | None
) -> list[Citation | None]:
    try:
        claims = embedder.encode_queries([claim for _, _, claim in pending])
        per_source = {}
        for n in dict.fromkeys(n for _, n, _ in pending):
            passage = by_n[n].passage
            spans = passage_sentences(passage) or [(0, len(passage))]
            per_source[n] = (spans, sentence_vectors.encode(embedder, [passage[s:e][:160] for s, e in spans]))
    except Exception as exc:  # an embedder failure must not break answering: treat as unsupported
        log.warning("citation check could not embed: %s", exc)
        return [None] * len(pending)
    out: list[Citation | None] = []
    for (_, n, claim), vector in zip(pending, claims):
        spans, vecs = per_source[n]
        sims = vecs @ vector
        j = int(np.argmax(sims))
        bar = min_similarity if min_similarity is not None else (0.82 if is_english(claim) else 0.90)
        if float(sims[j]) >= bar:
            s, e = spans[j]
            out.append(Citation(n, by_n[n].chunk.id, by_n[n].passage[s:e], (s, e)))
        else:
            out.append(None)
    return out


# ---------------------------------------------------------------- entry points


_NOT_FOUND_EN = re.compile(
    r"(?i)\W*(?:the (?:magazine|passages?|sources?|provided \w+) (?:does|do) not (?:say|mention|contain|answer)|"
    r"(?:this|that) (?:is|was) not (?:found|mentioned)|not found in)"
)


def _is_not_found(text: str) -> bool:
    """The model said the passages do not answer (资料中没有找到… / The magazine does not say…)."""
    head = _MARKER.sub("", text).strip()
    return head.startswith(NOT_FOUND_ZH) or bool(_NOT_FOUND_EN.match(head)) or (
        len(head) <= 40 and NOT_FOUND_ZH in head
    )


def _removed_notice(removed: list[tuple[int, str]]) -> str:
    parts = [f"[{n}] ({why})" for n, why in removed]
    return "removed citation markers that the sources do not back: " + ", ".join(parts)


def _llm_stream(
    question: str, analysis: Analysis, sources: list[Source], fallback: Answer, embedder: Embedder | None,
    config: LLMConfig,
) -> Iterator[str | Answer]:
    english = analysis.info.english
    messages = build_messages(question, [(s.n, s.passage, s.label()) for s in sources])
    pieces: list[str] = []
    try:
        if english:
            yield ENGLISH_NOTE + "\n"
        for delta in stream_chat(config, messages):
            pieces.append(delta)
            yield delta
    except LLMError as exc:
        yield replace(fallback, notice=f"the language model could not answer ({exc}); this is the extractive answer")
        return
    except Exception as exc:  # never let an endpoint problem escape
        log.exception("LLM streaming failed")
        yield replace(fallback, notice=f"the language model failed ({type(exc).__name__}); this is the extractive "
                                       "answer")
        return
    raw = "".join(pieces).strip()
    if _is_not_found(raw):
        yield _abstention(question, english, sources, analysis.confidence, config.label)
        return
    checked = check_citations(raw, sources, embedder)
    notice = _removed_notice(checked.removed) if checked.removed else None
    if not checked.citations:
        extra = "no sentence of this answer is backed by a cited passage"
        notice = f"{notice}; {extra}" if notice else extra
    text = f"{ENGLISH_NOTE}\n{checked.text}" if english else checked.text
    yield Answer(question, text, False, checked.citations, sources, config.label, notice, analysis.confidence)


def warm_up(embedder: Embedder | None = None) -> None:
    """Load what the first answer would otherwise wait for (jieba's dictionary and POS tagger, the model's
    first batch); call it once at start-up, e.g. from the UI."""
    QuestionInfo.parse("谁在2024年发布了哪些产品？")
    _person_score("董事长张三表示。", ())
    if embedder is not None:
        embedder.encode_queries(["预热"])
        embedder.encode_passages(["预热句子。", "第二个预热句子，稍长一些。"])


def stream_answer(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    where: SearchFilter | None = None,
    *,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> Iterator[str | Answer]:
    """Validate, retrieve, then yield text pieces and finally the `Answer` (whose `text` is authoritative:
    an LLM answer can lose markers in the citation check or be replaced by the extractive fallback).

    Raises `QueryError` (before anything is yielded) for unusable input; never raises for LLM problems.
    """
    cleaned = check_query(question, k, mode)
    hits = retriever.search(cleaned, k=max(k, 1), mode=mode, where=where)
    return _stream(cleaned, hits, retriever, llm, threshold, config)


def _stream(
    question: str, hits: list[Hit], retriever: Retriever, llm: LLMConfig | None, threshold: float | None,
    config: AnswerConfig,
) -> Iterator[str | Answer]:
    threshold = config.threshold if threshold is None else threshold
    sources = [Source.from_hit(n, h) for n, h in enumerate(hits, 1)]
    analysis = analyse(question, hits, retriever.embedder, retriever.index, config)
    extractive = extractive_answer(question, hits, retriever.embedder, retriever.index, config, threshold, analysis)
    if llm is None or extractive.abstained:
        if llm is not None:  # weak evidence: the model is not asked, but the answer says who would have answered
            extractive = replace(extractive, answerer=llm.label)
        yield from extractive.text.splitlines(keepends=True)
        yield extractive
        return
    yield from _llm_stream(question, analysis, sources, extractive, retriever.embedder, llm)


def answer_question(
    question: str,
    retriever: Retriever,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    where: SearchFilter | None = None,
    *,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> Answer:
    """Answer `question` from the index behind `retriever`, with `[n]` citations (see the module docstring)."""
    final: Answer | None = None
    for piece in stream_answer(question, retriever, k, mode, llm, where, threshold=threshold, config=config):
        if isinstance(piece, Answer):
            final = piece
    assert final is not None
    return final


# ---------------------------------------------------------------- abstention trade-off and evaluation


def abstention_tradeoff(
    labelled: Sequence[tuple[str, bool]],
    confidences: Sequence[float] | Mapping[str, float],
    thresholds: Sequence[float] | None = None,
) -> list[dict[str, float]]:
    """For each threshold: the share of unanswerable questions that abstain (want high) and of answerable
    questions that abstain (want low). `labelled` is (question, answerable); `confidences` is aligned with it
    or keyed by question. A question abstains when its confidence is below the threshold.
    """
    if isinstance(confidences, Mapping):
        values = [float(confidences[q]) for q, _ in labelled]
    else:
        values = [float(c) for c in confidences]
        if len(values) != len(labelled):
            raise ValueError(f"{len(labelled)} questions but {len(values)} confidences")
    grid = sorted(set(thresholds)) if thresholds is not None else [round(0.05 * i, 2) for i in range(21)]
    pos = [c for (_, ok), c in zip(labelled, values) if not ok]
    neg = [c for (_, ok), c in zip(labelled, values) if ok]
    rows = []
    for t in grid:
        rows.append({
            "threshold": float(t),
            "abstain_unanswerable": sum(c < t for c in pos) / len(pos) if pos else math.nan,
            "false_abstain_answerable": sum(c < t for c in neg) / len(neg) if neg else math.nan,
            "n_unanswerable": len(pos),
            "n_answerable": len(neg),
        })
    return rows


def choose_threshold(rows: Sequence[Mapping[str, float]], max_false_abstention: float = 0.05) -> float:
    """The threshold that abstains on the most unanswerable questions while keeping false abstention within
    `max_false_abstention` (ties: the lower threshold)."""
    ok = [r for r in rows if not r["false_abstain_answerable"] > max_false_abstention]
    if not ok:
        return min(r["threshold"] for r in rows)
    return max(ok, key=lambda r: (r["abstain_unanswerable"], -r["threshold"]))["threshold"]


def contains_evidence(answer: Answer, evidence: Iterable[str], min_recall: float = 0.8) -> bool:
    """The answer carries an evidence string: verbatim (ignoring whitespace) in its text or cited quotes, or at
    least `min_recall` of the evidence's character bigrams in one cited quote."""
    if answer.abstained:
        return False
    whole = squash(answer.text + "\n" + "\n".join(c.quote for c in answer.citations))
    for ev in evidence:
        if squash(ev) and squash(ev) in whole:
            return True
        grams = _bigrams(ev)
        if grams and any(_overlap(grams, _bigrams(c.quote)) >= min_recall for c in answer.citations):
            return True
    return False


def citations_valid(answer: Answer) -> bool:
    """Every citation names a source and its quote is exactly the span of that source's passage."""
    by_n = {s.n: s for s in answer.sources}
    return all(
        c.n in by_n and by_n[c.n].chunk.id == c.chunk_id and by_n[c.n].passage[c.span[0] : c.span[1]] == c.quote
        for c in answer.citations
    )


def evaluate_answers(
    questions: Sequence[Any],
    retriever: Retriever,
    tick: Callable[[], None] | None = None,
    k: int = 5,
    mode: str = "hybrid",
    llm: LLMConfig | None = None,
    threshold: float | None = None,
    config: AnswerConfig = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """Answer every question (objects with id, question, answers, answerable) once and score the answers.

    Returns {"summary": {metric: value, "thresholds": [trade-off rows]}, "per_question": {id: {...}}}.
    """
    threshold = config.threshold if threshold is None else threshold
    per_question: dict[str, dict[str, Any]] = {}
    labelled, confidences, seconds = [], [], []
    correct = valid = cited_ev = 0
    for q in questions:
        t0 = time.perf_counter()
        result = answer_question(q.question, retriever, k, mode, llm, threshold=threshold, config=config)
        dt = time.perf_counter() - t0
        seconds.append(dt)
        labelled.append((q.id, bool(q.answerable)))
        confidences.append(result.confidence)
        ok = bool(q.answerable) and contains_evidence(result, q.answers)
        correct += ok
        good_citations = citations_valid(result)
        valid += good_citations
        by_n = {s.n: s for s in result.sources}
        has_ev = any(
            any(squash(a) in squash(by_n[c.n].passage) for a in q.answers) for c in result.citations if c.n in by_n
        )
        cited_ev += bool(q.answerable) and has_ev
        per_question[q.id] = {
            "answer": result.text,
            "abstained": result.abstained,
            "confidence": round(result.confidence, 4),
            "correct": ok,
            "cited_evidence": has_ev,
            "citations": len(result.citations),
            "citations_valid": good_citations,
            "answerer": result.answerer,
            "notice": result.notice,
            "seconds": round(dt, 3),
        }
        if tick:
            tick()
    answerable = [ok for _, ok in labelled if ok]
    n_ans, n_un = len(answerable), len(labelled) - len(answerable)
    abst_un = sum(per_question[qid]["abstained"] for qid, ok in labelled if not ok)
    abst_ans = sum(per_question[qid]["abstained"] for qid, ok in labelled if ok)
    summary: dict[str, Any] = {
        "answerer": llm.label if llm else EXTRACTIVE,
        "threshold": float(threshold),
        "answer_contains_evidence": correct / n_ans if n_ans else math.nan,
        "citation_holds_evidence": cited_ev / n_ans if n_ans else math.nan,
        "citations_valid": valid / len(labelled) if labelled else math.nan,
        "abstain_unanswerable": abst_un / n_un if n_un else math.nan,
        "false_abstain_answerable": abst_ans / n_ans if n_ans else math.nan,
        "latency_median_s": statistics.median(seconds) if seconds else math.nan,
        "latency_p90_s": float(np.percentile(seconds, 90)) if seconds else math.nan,
        "thresholds": abstention_tradeoff(labelled, confidences),
    }
    return {"summary": summary, "per_question": per_question}
