"""Render evaluation results: a terminal table, a Markdown report and a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.text import format_table

from .retrieval import METRICS


def comparison_label(comparison: dict[str, Any] | None) -> str:
    """ "10W/30L p=0.0022": questions this mode wins and loses on MRR@10 against hybrid, and the sign test p."""
    if not comparison:
        return "—"
    return f"{len(comparison['wins'])}W/{len(comparison['losses'])}L p={comparison['sign_test_p']:.3g}"


def metrics_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per mode: the metrics (3 decimals) and the comparison against hybrid."""
    return [
        {
            "mode": mode,
            **{m: round(values[m], 3) for m in METRICS},
            "vs hybrid (MRR@10)": comparison_label(report.get("comparisons", {}).get(mode)),
        }
        for mode, values in report["modes"].items()
    ]


def metrics_table(report: dict[str, Any]) -> str:
    """Per mode: the five metrics, and the margin and sign-test p against hybrid."""
    rows = [
        [row["mode"], *(f"{row[m]:.3f}" for m in METRICS), row["vs hybrid (MRR@10)"]] for row in metrics_rows(report)
    ]
    return format_table(rows, ["mode", *METRICS, "vs hybrid (MRR@10)"])


def answer_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer metrics as rows (the threshold trade-off left out)."""
    return [
        {"answer metric": k, "value": v if isinstance(v, str) else round(float(v), 3)}
        for k, v in summary.items()
        if k != "thresholds"
    ]


def evidence_spans(text: str, evidence: list[str]) -> list[tuple[int, int]]:
    """Where each evidence string occurs in `text` (its first occurrence)."""
    return [(text.find(a), text.find(a) + len(a)) for a in evidence if a in text]


def missed_table(report: dict[str, Any], mode: str = "hybrid", limit: int = 40) -> str:
    """Questions whose evidence is not in the top 10 of `mode`, with the rank in the other modes."""
    rows = []
    for q in report["per_question"]:
        ranks = q.get("first_relevant_rank")
        if not ranks or ranks.get(mode) is not None:
            continue
        others = " ".join(f"{m}:{r if r is not None else '>10'}" for m, r in ranks.items() if m != mode)
        rows.append([q["id"], q["question"][:40], others])
    if not rows:
        return f"every answerable question has its evidence in the {mode} top 10"
    return f"missed at 10 by {mode} ({len(rows)}):\n" + format_table(
        rows[:limit], ["id", "question", "best relevant rank"]
    )


def answers_table(summary: dict[str, Any]) -> str:
    rows = [[k, f"{v:.3f}" if isinstance(v, float) else str(v)] for k, v in summary.items() if k != "thresholds"]
    return format_table(rows, ["answer metric", "value"])


def terminal_report(report: dict[str, Any]) -> str:
    parts = [
        f"dataset {report['dataset']}: {report['n']} questions, {report['n_answerable']} answerable",
        metrics_table(report),
        "",
        missed_table(report),
    ]
    if report.get("answers"):
        parts += ["", answers_table(report["answers"])]
    return "\n".join(parts)


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """A grouped bar chart of the metrics per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(report["modes"])
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    width = 0.8 / max(len(modes), 1)
    for i, mode in enumerate(modes):
        values = [report["modes"][mode][m] for m in METRICS]
        bars = ax.bar([x + i * width for x in range(len(METRICS))], values, width, label=mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks([x + width * (len(modes) - 1) / 2 for x in range(len(METRICS))], METRICS)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("score")
    ax.set_title(f"Retrieval quality on {Path(report['dataset']).name} (n={report['n_answerable']})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_markdown(report: dict[str, Any], folder: Path) -> Path:
    """`report.md` and `chart.png` in `folder` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    chart = write_chart(report, folder / "chart.png")
    lines = [
        f"# Evaluation report: {Path(report['dataset']).name}",
        "",
        f"{report['n']} questions ({report['n_answerable']} answerable).",
        "",
        "| mode | " + " | ".join(METRICS) + " | vs hybrid (MRR@10 wins/losses, sign test p) |",
        "|---|" + "---|" * len(METRICS) + "---|",
    ]
    for mode, values in report["modes"].items():
        comp = report.get("comparisons", {}).get(mode)
        vs = "—" if not comp else f"{len(comp['wins'])}/{len(comp['losses'])}, p={comp['sign_test_p']:.3g}"
        lines.append(f"| {mode} | " + " | ".join(f"{values[m]:.3f}" for m in METRICS) + f" | {vs} |")
    lines += [
        "",
        f"![metrics per mode]({chart.name})",
        "",
        "## Missed at 10 (hybrid)",
        "",
        "```",
        missed_table(report),
        "```",
    ]
    if report.get("answers"):
        lines += ["", "## Answers", "", "```", answers_table(report["answers"]), "```"]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
