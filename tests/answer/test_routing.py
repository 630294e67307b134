"""Which answerer answers: a chat model answers the questions in its languages only (the others get the extractive
answer), the automatic answerer never starts the local model for a Chinese question, and a model that finds nothing
in the sentences chosen for it leaves the extractive answer standing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from articles import ZWSOFT_ARTICLE
from fakes import FakeEmbedder

from rag.answer import AnswerSettings, LLMConfig
from rag.answer.pipeline import NOTHING_TRANSLATED
from rag.config import Settings
from rag.engine import Engine
from rag.index import build_index


class _Echo:
    """A chat model that cites its first evidence sentence and counts its calls."""

    label = "llm:echo"
    context = "evidence"

    def __init__(self, languages: tuple[str, ...]):
        self.languages = languages
        self.calls = 0

    def stream(self, messages, grammar=None):
        self.calls += 1
        numbered = [x for x in messages[1]["content"].splitlines() if x.startswith("[")]
        if messages[0]["content"].startswith("You translate"):  # an English question: one line per piece
            yield "".join(f"{line}\n" for line in numbered)
            return
        number, sentence = numbered[0][1:].split("] ", 1)
        yield f"{sentence} [{number}]\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    home: Path = tmp_path_factory.mktemp("routing")
    embedder = FakeEmbedder()
    settings = Settings(home=home, answer=AnswerSettings(threshold=0.0))
    index, _ = build_index([home / "nothing"], settings.index, embedder, documents=[ZWSOFT_ARTICLE])
    return Engine.assemble(settings, embedder, index)


@pytest.mark.parametrize(
    ("languages", "question", "asked"),
    [
        (("en",), "中望软件的董事长是谁？", False),
        (("en",), "Who is the chairman of ZWSOFT (中望软件)?", True),
        (("zh", "en"), "中望软件的董事长是谁？", True),
        (("zh",), "Who is the chairman of ZWSOFT (中望软件)?", False),
    ],
)
def test_a_model_answers_the_questions_in_its_languages_only(engine, languages, question, asked):
    model = _Echo(languages)
    answer = engine.answerer.answer(question, llm=model)
    assert (model.calls == 1) is asked
    assert answer.answerer == ("llm:echo" if asked else "extractive")
    assert not answer.abstained


def test_languages_are_checked():
    with pytest.raises(ValueError, match="languages"):
        LLMConfig(base_url="http://127.0.0.1:1/v1", languages=("fr",))
    with pytest.raises(ValueError, match="languages"):
        LLMConfig(base_url="http://127.0.0.1:1/v1", languages=())


def test_the_automatic_answerer_starts_the_local_model_for_english_questions_only(engine, monkeypatch):
    started = []
    endpoint = LLMConfig(base_url="http://127.0.0.1:1/v1", context="evidence")
    monkeypatch.setattr("rag.engine.model_installed", lambda: True)
    monkeypatch.setattr(Engine, "local_model", lambda self, progress=None: started.append(1) or endpoint)
    auto = replace(engine, settings=replace(engine.settings, answerer="auto"))
    assert auto.chat_model(question="中望软件的董事长是谁？") is None and not started
    assert auto.chat_model(question="Who is the chairman?").languages == ("en",) and started
    assert auto.chat_model().languages == ("en",)  # an evaluation: the model answers its English questions
    assert auto.chat_model(answerer="extractive") is None
    assert auto.chat_model(answerer="local") is endpoint
    monkeypatch.setattr("rag.engine.model_installed", lambda: False)
    assert auto.chat_model(question="Who is the chairman?") is None, "without the [llm] extra: quotes"


def test_the_default_answerer_is_automatic(monkeypatch):
    monkeypatch.delenv("RAG_ANSWERER", raising=False)
    assert Settings.from_env().answerer == "auto"


class _NotFound:
    """A small model that reads the chosen sentences and says the magazine does not answer."""

    label = "llm:shy"
    context = "evidence"
    languages = ("zh", "en")

    def stream(self, messages, grammar=None):
        yield "The magazine does not say."


def test_a_model_that_finds_nothing_in_the_chosen_sentences_leaves_the_extractive_answer(engine):
    question = "中望软件的董事长是谁？"
    answer = engine.answerer.answer(question, llm=_NotFound())
    assert not answer.abstained and answer.answerer == "extractive" and answer.citations
    assert "found no answer in the sentences it read" in answer.notice
    assert answer.text == engine.answerer.answer(question).text


def test_a_translation_in_no_usable_shape_leaves_the_extractive_answer(engine):
    question = "Who is the chairman of ZWSOFT (中望软件)?"
    answer = engine.answerer.answer(question, llm=_NotFound())  # no "[k] " line: nothing translated
    assert not answer.abstained and answer.answerer == "extractive" and answer.citations
    assert answer.notice == NOTHING_TRANSLATED
    assert answer.text == engine.answerer.answer(question).text


def test_an_english_follow_up_is_routed_by_its_own_language_not_the_titles_folded_into_it(engine):
    from rag.answer import Turn

    previous = Turn("Who is the chairman of ZWSOFT (中望软件)?", titles=("中望龙腾：工业软件出海",), cited=("x",))
    model = _Echo(("en",))
    cleaned, query, stream = engine.answerer.converse("What else did he say?", previous, llm=model)
    *_, answer = list(stream)
    assert "《中望龙腾：工业软件出海》" in query and model.calls == 1 and answer.answerer == "llm:echo"
    _, _, stream = engine.answerer.converse("他还说了什么？", previous, llm=model)
    *_, answer = list(stream)
    assert model.calls == 1 and answer.answerer == "extractive"


def test_an_unknown_answerer_name_is_an_error_not_silently_quotes(engine):
    with pytest.raises(ValueError, match="unknown answerer 'True'"):
        engine.chat_model(answerer="True")
