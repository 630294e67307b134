"""Promise 1 — bad input: an unusable question, k or mode gets one clear sentence (CLI: exit code 2; app: a
notice) and nothing else happens: no model is loaded, no index is built, nothing is searched."""

from __future__ import annotations

import pytest
from safety_support import ask, notices, ok, one_line_error, open_page, rag, use_fake_model

from rag.errors import QueryError
from rag.retrieval import check_query

BAD_QUESTIONS = {
    "empty": ("", "the question is empty"),
    "whitespace-only": (" \t\n\u3000 ", "the question is empty"),
    "10 000 characters": ("补贴" * 5000, "the question is 10000 characters long; the limit is 2000"),
    "control characters only": ("\x00\x07\x1b\x08\x7f", "no words"),
    "emoji only": ("🚗🔋⚡️🤔", "no words"),
    "punctuation only": ("？？！！……", "no words"),
    "invisible characters only": ("\u200b\u202e\u2066", "no words"),
}
BAD_OPTIONS = {
    "k = 0": (0, "hybrid", "k must be between 1 and 100, got 0"),
    "k negative": (-3, "hybrid", "k must be between 1 and 100, got -3"),
    "k above the cap": (101, "hybrid", "k must be between 1 and 100, got 101"),
    "unknown mode": (5, "semantic", "unknown mode 'semantic'; choose one of hybrid, dense, bm25"),
    "mode in capitals": (5, "HYBRID", "unknown mode 'HYBRID'"),
}


@pytest.mark.parametrize("question, message", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_a_bad_question_is_refused_in_one_sentence(question, message):
    with pytest.raises(QueryError) as caught:
        check_query(question, 5, "hybrid")
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("k, mode, message", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_k_out_of_range_or_an_unknown_mode_is_refused_in_one_sentence(k, mode, message):
    with pytest.raises(QueryError) as caught:
        check_query("新能源汽车补贴", k, mode)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "question, cleaned",
    [
        ("新能源\x00汽车\x1b[2J补贴", "新能源 汽车 [2J补贴"),  # control characters become spaces
        ("Tesla 特斯拉 got 4.65亿美元 from the DoE — テスラ？", "Tesla 特斯拉 got 4.65亿美元 from the DoE — テスラ？"),
        ("🚗 新能源汽车补贴 🔋", "🚗 新能源汽车补贴 🔋"),
        ("  补贴\n政策  ", "补贴\n政策"),
    ],
    ids=["control characters inside", "mixed script", "emoji with words", "surrounding blanks"],
)
def test_a_usable_question_is_cleaned_not_refused(question, cleaned):
    assert check_query(question, 5, "hybrid") == cleaned


@pytest.fixture()
def cli_home(tmp_path, monkeypatch):
    """A fresh home with no index; loading a model would fail the test (nothing may happen before the check)."""
    home = tmp_path / "home"
    use_fake_model(monkeypatch, home)
    monkeypatch.setattr("rag.engine.load_embedder", lambda settings: pytest.fail("a model was loaded"))
    return home


CLI_CASES = {
    **{f"search, {name}": (["search", q], m) for name, (q, m) in BAD_QUESTIONS.items()},
    **{f"ask, {name}": (["ask", q], m) for name, (q, m) in BAD_QUESTIONS.items()},
    **{
        f"search, {name}": (["search", "补贴", "-k", str(k), "--mode", mode], m)
        for name, (k, mode, m) in BAD_OPTIONS.items()
    },
    "ask, unknown mode": (["ask", "补贴", "--mode", "fuzzy"], "unknown mode 'fuzzy'"),
    "ask, k above the cap": (["ask", "补贴", "-k", "500"], "k must be between 1 and 100"),
}


@pytest.mark.parametrize("argv, message", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_refuses_bad_input_with_exit_code_2_and_touches_nothing(cli_home, capsys, argv, message):
    code, out, err = rag(argv, capsys)
    assert code == 2 and out == ""
    assert message in one_line_error(err) and err.count("\n") == 1
    assert not cli_home.exists(), "nothing was built or cached"


def test_cli_non_numeric_k_is_a_usage_error(cli_home, capsys):
    with pytest.raises(SystemExit) as caught:
        rag(["search", "补贴", "-k", "many"], capsys)
    assert caught.value.code == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err
    assert not cli_home.exists()


# ---------------------------------------------------------------- the app (AppTest, fake embedder)


@pytest.fixture()
def chat(tmp_path, monkeypatch):
    """The Ask page over the bundled magazine indexed with the fake embedder; counts every search."""
    use_fake_model(monkeypatch, tmp_path / "home")
    from rag.retrieval import Retriever

    searches = []
    real_search = Retriever.search

    def counting(self, *args, **kwargs):
        searches.append(args)
        return real_search(self, *args, **kwargs)

    monkeypatch.setattr(Retriever, "search", counting)
    at = open_page("app_pages/chat.py")
    return at, searches


APP_CASES = {
    k: BAD_QUESTIONS[k]
    for k in ("whitespace-only", "control characters only", "emoji only", "invisible characters only")
}


def test_the_app_shows_a_notice_for_each_bad_question_and_searches_nothing(chat):
    at, searches = chat
    for question, message in APP_CASES.values():
        ask(at, question)
        assert any(message.lower() in n.lower() for n in notices(at)), (question, notices(at))
        turn = at.session_state["turns"][-1]
        assert turn.answer is None and turn.error
    assert searches == []
    assert not [e for e in at.expander if e.label.startswith("Sources")]
    assert len(at.session_state["turns"]) == len(APP_CASES)


def test_the_app_cuts_a_10000_character_question_to_the_limit_and_says_so(chat):
    at, searches = chat
    assert at.chat_input[0].max_chars == 2000
    ask(at, "新能源汽车补贴" + "问" * 10_000)
    assert any("limited to 2000 characters" in n for n in notices(at))
    turn = at.session_state["turns"][-1]
    assert len(turn.question) == 2000 and turn.answer is not None and len(searches) == 1


def test_the_app_answers_a_mixed_script_question_with_control_characters_and_emoji(chat):
    at, searches = chat
    ok(ask(at, "🚗 How did 新能源汽车\x07 companies cheat on 补贴？"))
    turn = at.session_state["turns"][-1]
    assert turn.error is None and turn.answer is not None and "\x07" not in turn.question
