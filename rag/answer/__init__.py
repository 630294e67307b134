"""Cited answers: question analysis, sentence scoring, the extractive answerer, the chat-model seam and its
OpenAI-compatible client, the prompt, the citation check, follow-up questions,
saved conversations and example questions (`history`), and the pipeline (`Answerer`).

May import: `rag.retrieval` and everything below it.
"""

from .anchors import missing_anchors, question_anchors
from .chat import ChatModel, LLMConfig, stream_chat, timeouts_from_env
from .citations import MARKER, SHOWN_MARKER, CitationCheck, check_citations, marker_citations
from .context import AnswerContext
from .conversation import Turn, fold_follow_up, is_follow_up, wants_more
from .extractive import Earlier, extractive_answer, select_sentences
from .history import (
    Conversation,
    ConversationStore,
    answer_with_references,
    example_questions,
    restore_answer,
    title_of,
    turn_record,
)
from .pipeline import Answerer, answer_question, stream_answer
from .prompt import NOT_FOUND_ZH, SYSTEM_PROMPT, build_messages, fence_passage
from .question import QuestionInfo, kind_score, person_score
from .records import ABSTAIN_EN, ABSTAIN_ZH, ENGLISH_NOTE, EXTRACTIVE, Answer, Citation, Source, abstention
from .scoring import DEFAULT_SETTINGS, DEFAULT_THRESHOLD, Analysis, AnswerSettings, ScoredSentence, analyse
from .vectors import SentenceVectors

__all__ = [
    "ABSTAIN_EN",
    "ABSTAIN_ZH",
    "DEFAULT_SETTINGS",
    "DEFAULT_THRESHOLD",
    "ENGLISH_NOTE",
    "EXTRACTIVE",
    "MARKER",
    "SHOWN_MARKER",
    "NOT_FOUND_ZH",
    "SYSTEM_PROMPT",
    "Analysis",
    "Answer",
    "AnswerContext",
    "AnswerSettings",
    "Answerer",
    "ChatModel",
    "Citation",
    "Conversation",
    "ConversationStore",
    "CitationCheck",
    "LLMConfig",
    "QuestionInfo",
    "ScoredSentence",
    "SentenceVectors",
    "Source",
    "Turn",
    "abstention",
    "analyse",
    "answer_with_references",
    "answer_question",
    "build_messages",
    "check_citations",
    "marker_citations",
    "example_questions",
    "Earlier",
    "extractive_answer",
    "fence_passage",
    "fold_follow_up",
    "is_follow_up",
    "kind_score",
    "missing_anchors",
    "person_score",
    "question_anchors",
    "restore_answer",
    "select_sentences",
    "stream_answer",
    "stream_chat",
    "timeouts_from_env",
    "title_of",
    "turn_record",
    "wants_more",
]
