"""The stop lists, in one place: what BM25 drops, which English words are never content, which question words
carry no topic. Each list has one job; a word's list says which job it is dropped for."""

from __future__ import annotations

#: Function words and question words dropped from every BM25 token stream (Chinese and English).
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 等 也 都 而 对 中 上 下 为 以 把 被 就 这 那 其 之 于 则 并 又 还 个 些 将 从 到 由 向 给 让
    有 没有 不 很 更 最 已 已经 我们 你们 他们 它们 我 你 他 她 它 这个 那个 这些 那些 哪些 哪个 哪 谁 何 什么 怎么 怎样
    如何 多少 几 吗 呢 吧 啊 呀 么 请问 请 一下 是否 是不是 为什么 为何 什么样 哪里 哪儿 时候 何时 文中 文章 本文 提到
    指出 认为 表示 谈到 说 讲 一 二 三 其中 以及 通过 进行 可以 能够 需要 应该 主要 一些 相关 方面
    a an the of to in on for and or is are was were be been what which who whom how why when where does do did
    that this these those with by as at from it its about according article magazine issue say says said
    """.split()
)

#: English words that are never looked up in the dictionary when an English question is turned into Chinese terms.
ENGLISH_STOP_WORDS = frozenset(
    """a an the of to in on for and or is are was were be been being what which who whom whose how why when where
    does do did doing that this these those with by as at from it its about according article articles magazine
    issue say says said mention mentioned mentions describe described author authors there their they them he she
    his her we our you your i me my can could would should will shall may might must one ones than then so such
    into over under more most much many any some each other also not no yes if but per up out s use used using
    between among after before during while give given name named list listed kind kinds type types have has had
    see""".split()
)

#: Question words that carry no topic but survive `STOP_WORDS` (dropped from a question's topic terms).
QUESTION_WORDS = frozenset(
    """
    多大 多高 多久 多长 多远 多重 哪家 哪位 哪年 哪一年 哪天 哪一天 哪里 哪儿 哪种 哪项 哪类 哪一 哪一次
    怎么样 怎样 如何 是否 多少钱 几个 几次 几位 几年 第几 哪几个 哪几种 哪几 具体 分别 一共 大约 大概 大致
    几类 几种 几点 几项 几条 几大 几步 几层 几家 几方面 几部分 几个方面 哪几类 哪几条 哪几点 哪几项 哪几方面
    目前 当时 这一 这本 这篇 该文 一文 认为 提出 意思 论述 阐述 展开 是从 讲述 谈及
    什么 什么样 哪个 哪些 为什么 是不是 多少 几 谁 何时 时候 有没有 能否 举例 列举 例子 之所以 这里 采用
    many much according what which who whose whom when how did does do is are was were the of in to
    """.split()
)
