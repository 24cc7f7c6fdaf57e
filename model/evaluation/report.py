"""The evaluation report: JSON for machines, a Markdown table beside it for people.

JSON shape:
    {"k": [10, 20, 100],
     "cohorts": {"warm": {"model": {"recall@10": ..., "ndcg@10": ..., ...}, "ease": {...}, ...},
                 "cold_start": {...}, "all": {...}},
     "users": {"warm": 1564, ...}, "catalogue_items": 500, "notes": [...],
     "inputs": {"warm": {"users": .., "with_history": .., "with_text": .., "with_friends": ..}},
     ...}
The full model is under "model", its modality ablations under "model:text", "model:behavior"
and "model:social"; a metric with no user to average over is null.

Usage:
    report = make_report(ks, {"warm": {"model": result, ...}}, catalogue_items=500, notes=[...])
    write_report(report, "runs/r1/evaluation.json")      # also writes runs/r1/evaluation.md
"""
import json
import math
import os

BAR_WIDTH = 20
BLOCKS = " ▏▎▍▌▋▊▉█"


def _clean(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def make_report(ks, results, catalogue_items, notes=(), **extra):
    """results: cohort -> method -> `RankingResult` (model.evaluation.ranking)."""
    cohorts, users = {}, {}
    for cohort, methods in results.items():
        cohorts[cohort] = {method: {name: _clean(v) for name, v in r.summary().items()}
                           for method, r in methods.items()}
        users[cohort] = next(iter(methods.values())).users if methods else 0
    return {"k": list(ks), "cohorts": cohorts, "users": users,
            "catalogue_items": int(catalogue_items), "notes": list(notes), **extra}


def bar(fraction, width=BAR_WIDTH):
    """A horizontal bar of `fraction` (0..1) of `width` characters, in eighths."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return ("█" * full + (BLOCKS[rest] if rest else "")).ljust(width)


def _fmt(value):
    return "–" if value is None else f"{value:.4f}"


def markdown(report, title="Evaluation"):
    ks = report["k"]
    columns = ([f"recall@{k}" for k in ks] + [f"ndcg@{k}" for k in ks]
               + [f"hit_rate@{k}" for k in ks] + ["mrr"] + [f"coverage@{k}" for k in ks])
    headline = f"recall@{ks[0]}"
    lines = [f"# {title}", "",
             f"Full-catalogue ranking over {report['catalogue_items']} items; each user's known "
             f"items are excluded. The bar is {headline} relative to the best method of the "
             f"cohort.", ""]
    for cohort, methods in report["cohorts"].items():
        inputs = report.get("inputs", {}).get(cohort)
        carried = (f"; {inputs['with_history']} with history, {inputs['with_text']} with text, "
                   f"{inputs['with_friends']} with friends" if inputs else "")
        lines += [f"## {cohort} ({report['users'].get(cohort, 0)} users{carried})", ""]
        best = max((m.get(headline) or 0.0 for m in methods.values()), default=0.0)
        lines.append("| method | " + " | ".join(columns) + f" | {headline} vs best |")
        lines.append("|---|" + "---:|" * len(columns) + "---|")
        for method, metrics in methods.items():
            value = metrics.get(headline) or 0.0
            cells = " | ".join(_fmt(metrics.get(c)) for c in columns)
            lines.append(f"| {method} | {cells} | `{bar(value / best if best else 0.0)}` |")
        lines.append("")
    if report.get("notes"):
        lines += ["## Notes", ""] + [f"- {note}" for note in report["notes"]] + [""]
    return "\n".join(lines)


def write_report(report, json_path, title="Evaluation"):
    """Writes `json_path` and the Markdown table beside it (same name, .md); returns md path."""
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(report, f, indent=2)
    md_path = os.path.splitext(json_path)[0] + ".md"
    with open(md_path, "w") as f:
        f.write(markdown(report, title))
    return md_path
