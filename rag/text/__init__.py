"""Chinese text basics: characters, the sentence splitter, the language rule, stop lists, tokens, tables.

May import: nothing of `rag` but `rag.types` and `rag.errors`.
"""

from .chars import CJK, CJK_PUNCT, clean_line, count_cjk, has_cjk, squash, strip_ornament
from .language import LANGUAGES, is_english, language_of
from .numbers import Number, chinese_numeral, chinese_numerals, english_amounts, months_named, written_numbers
from .sentences import (
    CAPTION,
    CLOSERS,
    SENTENCE_END,
    SENTENCE_PUNCT,
    SHOWN_MARKER,
    display_sentence,
    ends_sentence,
    is_byline,
    is_question,
    passage_sentences,
    speaker_of,
    split_sentences,
    strip_speaker,
    unmarked,
)
from .similarity import bigrams, near_duplicate, norm, overlap
from .stopwords import ENGLISH_STOP_WORDS, QUESTION_WORDS, STOP_WORDS
from .tables import display_width, format_table, pad
from .tokens import (
    asked_counts,
    chinese_counts,
    jieba_module,
    measure_counts,
    named_count,
    person_names,
    query_terms,
    search_tokens,
    tagged_words,
    tokenize,
    word_across,
)

__all__ = [
    "Number",
    "CAPTION",
    "CJK",
    "SHOWN_MARKER",
    "CJK_PUNCT",
    "CLOSERS",
    "ENGLISH_STOP_WORDS",
    "LANGUAGES",
    "QUESTION_WORDS",
    "SENTENCE_END",
    "SENTENCE_PUNCT",
    "STOP_WORDS",
    "asked_counts",
    "bigrams",
    "chinese_counts",
    "chinese_numeral",
    "chinese_numerals",
    "clean_line",
    "count_cjk",
    "display_sentence",
    "display_width",
    "ends_sentence",
    "english_amounts",
    "format_table",
    "has_cjk",
    "is_byline",
    "is_english",
    "is_question",
    "jieba_module",
    "language_of",
    "measure_counts",
    "months_named",
    "named_count",
    "near_duplicate",
    "norm",
    "overlap",
    "pad",
    "passage_sentences",
    "person_names",
    "query_terms",
    "search_tokens",
    "tagged_words",
    "split_sentences",
    "squash",
    "strip_ornament",
    "speaker_of",
    "strip_speaker",
    "tokenize",
    "unmarked",
    "word_across",
    "written_numbers",
]
