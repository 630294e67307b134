"""Evaluation harness: hand-computed metrics, dataset validation, and `rag eval` end to end."""

from __future__ import annotations

import json
import math

import pytest

from rag.errors import DatasetError
from rag.evaluation import compute_metrics, development_set, is_relevant, load_dataset, sign_test


def test_metrics_equal_hand_computed_values():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"d": 1}, "q4": {}}
    run = {"q1": {"x": 3.0, "a": 2.0, "y": 1.0}, "q2": {"b": 3.0, "z": 2.0, "c": 1.0}, "q3": {}, "q4": {"a": 1.0}}
    mean, per_q = compute_metrics(qrels, run, ["q1", "q2", "q3", "q4"])
    ndcg_q1 = 1 / math.log2(3)
    ndcg_q2 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert per_q["q1"] == pytest.approx({"hit@1": 0, "hit@5": 1, "hit@10": 1, "mrr@10": 0.5, "ndcg@10": ndcg_q1})
    assert per_q["q2"] == pytest.approx({"hit@1": 1, "hit@5": 1, "hit@10": 1, "mrr@10": 1, "ndcg@10": ndcg_q2})
    assert per_q["q3"] == per_q["q4"] == {"hit@1": 0, "hit@5": 0, "hit@10": 0, "mrr@10": 0, "ndcg@10": 0}
    assert mean == pytest.approx(
        {"hit@1": 0.25, "hit@5": 0.5, "hit@10": 0.5, "mrr@10": 0.375, "ndcg@10": (ndcg_q1 + ndcg_q2) / 4}
    )


def test_rank_beyond_ten_does_not_count():
    run = {"q": {f"d{i}": 100.0 - i for i in range(12)}}
    mean, _ = compute_metrics({"q": {"d11": 1}}, run, ["q"])
    assert mean["hit@10"] == 0 and mean["mrr@10"] == 0


def test_relevance_ignores_whitespace():
    assert is_relevant("财政科技支出占\n全部 财政科技支出的比重", ["支出占全部财政"])
    assert not is_relevant("别的内容", ["支出占全部财政"])


def test_sign_test():
    assert sign_test(0, 0) == 1.0
    assert sign_test(10, 0) == pytest.approx(2 / 1024)


CORPUS = ["中望软件收购了CHAM公司。", "定价：60.00元"]


@pytest.mark.parametrize(
    "line, problem",
    [
        ("{not json", "line 1: not valid JSON"),
        ('{"id": "a", "question": "q"}', "line 1: missing field(s) answers"),
        ('{"id": "a", "question": "q", "answers": ["不存在的证据"]}', "line 1: evidence '不存在的证据' occurs nowhere"),
        ('{"id": "a", "question": "", "answers": ["CHAM"]}', "line 1: question must be a non-empty string"),
        ('{"id": "a", "question": "q", "answers": []}', "line 1: an answerable question needs at least one"),
        ('{"id": "a", "question": "q", "answers": "CHAM"}', "line 1: answers must be a list"),
        ('{"id": "a", "question": "q", "answers": [], "answerable": "no"}', "line 1: answerable must be true or"),
        ("[1, 2]", "line 1: expected a JSON object"),
    ],
)
def test_validator_rejects_each_kind_of_bad_line(tmp_path, line, problem):
    path = tmp_path / "d.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path, CORPUS)
    assert info.value.problems[0].startswith(problem)


def test_validator_reports_every_problem_with_line_numbers(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"id": "a", "question": "q", "answers": ["收购 了 CHAM"]}\n\n{oops\n'
        '{"id": "a", "question": "q2", "answers": ["60.00元"]}\n'
        '{"id": "u", "question": "q3", "answers": [], "answerable": false}\n',
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as info:
        load_dataset(path, CORPUS)
    assert info.value.problems == [
        "line 3: not valid JSON (Expecting property name enclosed in double quotes)",
        "line 4: duplicate id 'a'",
    ]


def test_dev_set_meets_the_brief(corpus_dir, magazine_docs):

    questions = load_dataset(development_set(), [d.text for d in magazine_docs])
    answerable = [q for q in questions if q.answerable]
    assert len([q for q in answerable if not q.english]) >= 80
    assert len([q for q in answerable if q.english]) >= 15
    assert len([q for q in questions if not q.answerable]) >= 10


@pytest.mark.slow
def test_rag_eval_runs_in_process(real_home, tmp_path, monkeypatch, capsys):
    from rag.cli import main

    monkeypatch.setenv("RAG_HOME", str(real_home))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    dataset = tmp_path / "small.jsonl"
    rows = [
        {"id": "a", "question": "苗圩担任过什么职务？", "answers": ["工业和信息化部原部长"]},
        {"id": "b", "question": "昆仑万维的天工3.0有多少参数？", "answers": ["“天工3.0”拥有4000亿参数"]},
        {"id": "c", "question": "How much revenue did ZWSOFT make in 2023?", "answers": ["营收首次突破1亿美元"]},
        {"id": "d", "question": "这一期杂志的定价是多少？", "answers": ["定价：60.00元"]},
        {"id": "u", "question": "2025年6G频谱拍卖的结果如何？", "answers": [], "answerable": False},
    ]
    dataset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out_dir = tmp_path / "report"
    assert main(["eval", "--dataset", str(dataset), "--json", "--out", str(out_dir), "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 5 and report["n_answerable"] == 4
    assert set(report["modes"]) == {"hybrid", "dense", "bm25", "baseline"}
    for values in report["modes"].values():
        assert set(values) == {"hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10"}
    assert report["modes"]["hybrid"]["hit@10"] >= 0.75
    assert {"wins", "losses", "sign_test_p"} <= set(report["comparisons"]["baseline"])
    assert (out_dir / "report.md").read_text(encoding="utf-8").startswith("# Evaluation report")
    assert (out_dir / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["eval", "--dataset", str(dataset), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "hybrid" in table and "mrr@10" in table
