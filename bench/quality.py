"""`make bench-quality`: train and evaluate on MovieLens 100K and two real datasets.

For each dataset: convert it to the canonical format (MovieLens 100K from the package registry,
the others from ../shared/data), `persona train` (timed), `persona evaluate` (model, ablations
and every baseline on the same split); then the TFRS tutorial protocol on MovieLens 100K. Prints
the tables, the training times and the issue's acceptance checks, and writes everything under
--out (default runs/bench-quality): <dataset>.json/.md per dataset, tutorial/results.json,
summary.json and summary.md.

Usage:
    make bench-quality
    .venv/bin/python -m bench.quality --datasets movielens,lastfm --epochs 3
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything loads TensorFlow)

SHARED = os.path.join("..", "shared", "data")
# name -> (reader format, folder under --shared); None: fetched from the package registry.
DATASETS = {
    "movielens": None,
    "lastfm": ("lastfm", "lastfm-2k"),
    "ciao": ("ciao", "ciao"),
    "amazon-toy": ("amazon", "amazon-toy"),
}
DEFAULT_DATASETS = "movielens,lastfm,ciao"
# The bars (issue 4, "Done when").
WARM_GAIN_OVER_ID_TWO_TOWER = 0.10
COLD_GAIN_OVER_POPULARITY = 0.50
TUTORIAL_TOP_100 = 0.30
TRAIN_MINUTES_PER_100K_EVENTS = 10.0


def prepare(name, out, shared):
    """The canonical dataset directory of `name` (converted once, then reused)."""
    data = os.path.join(out, "data", name)
    if os.path.isfile(os.path.join(data, "events.csv")):
        return data
    if DATASETS[name] is None:
        from model.data.fetch import fetch_movielens_100k
        return fetch_movielens_100k(data)
    from model.data.readers import convert
    fmt, folder = DATASETS[name]
    convert(fmt, os.path.join(shared, folder), data)
    return data


def persona_cli(*args):
    """Runs a `persona` command in its own process (TensorFlow state does not carry over)."""
    cmd = [sys.executable, "-m", "persona", *args]
    print("$ persona " + " ".join(args), flush=True)
    start = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - start


def checks(name, report, train_seconds, events):
    """The issue's acceptance checks on one dataset: list of (check, value, bar, passed)."""
    cohorts, out = report["cohorts"], []

    def gain(cohort, over):
        model = cohorts[cohort]["model"]["recall@10"] or 0.0
        base = cohorts[cohort][over]["recall@10"] or 0.0
        return model / base - 1.0 if base else float("inf") if model else 0.0

    if "id_two_tower" in cohorts["warm"]:
        g = gain("warm", "id_two_tower")
        out.append((f"{name}: warm recall@10 over id_two_tower", f"{g:+.0%}",
                    f">= +{WARM_GAIN_OVER_ID_TWO_TOWER:.0%}", g >= WARM_GAIN_OVER_ID_TWO_TOWER))
    if "popularity" in cohorts["cold_start"]:
        check = f"{name}: cold-start recall@10 over popularity"
        if report["users"]["cold_start"]:
            g = gain("cold_start", "popularity")
            out.append((check, f"{g:+.0%}", f">= +{COLD_GAIN_OVER_POPULARITY:.0%}",
                        g >= COLD_GAIN_OVER_POPULARITY))
        else:  # the dataset gives no new user anything to go on: no text, no friends
            out.append((check, "n/a (no new user has text or friends)", "", None))
    if "popularity" in cohorts["anonymous"] and report["users"]["anonymous"]:
        g = gain("anonymous", "popularity")
        out.append((f"{name}: anonymous new users, recall@10 over popularity (aim)",
                    f"{g:+.0%}", ">= +0%", g >= 0))
    if "ease" in cohorts["warm"]:
        g = gain("warm", "ease")
        out.append((f"{name}: warm recall@10 over ease (aim)", f"{g:+.0%}", ">= +0%", g >= 0))
    minutes = train_seconds / 60 / max(events / 1e5, 1.0)
    out.append((f"{name}: training minutes per 100k events", f"{minutes:.1f}",
                f"<= {TRAIN_MINUTES_PER_100K_EVENTS:g}", minutes <= TRAIN_MINUTES_PER_100K_EVENTS))
    return out


def summary_markdown(rows, tutorial, results):
    lines = ["# bench-quality", "", "| dataset | events | users | items | train | evaluate |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['events']} | {r['users']} | {r['items']} | "
                     f"{r['train_seconds'] / 60:.1f} min | {r['evaluate_seconds'] / 60:.1f} min |")
    if tutorial:
        lines += ["", "## TFRS tutorial protocol (MovieLens 100K, random 80/20, seed 42)", "",
                  "| model | top-100 accuracy | top-10 accuracy | train |", "|---|---:|---:|---:|"]
        for model in ("basic", "model"):
            if model in tutorial:
                t = tutorial[model]
                lines.append(f"| {model} | {t['top_100_accuracy']:.4f} | "
                             f"{t['top_10_accuracy']:.4f} | {t['train_seconds']:.0f} s |")
    lines += ["", "## Acceptance checks (issue 4)", "", "| check | value | bar | |",
              "|---|---:|---|---|"]
    for check, value, bar, ok in rows:
        verdict = {True: "pass", False: "below aim" if "(aim)" in check else "FAIL",
                   None: "n/a"}[ok]
        lines.append(f"| {check} | {value} | {bar} | {verdict} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DEFAULT_DATASETS,
                        help=f"comma-separated, of {', '.join(DATASETS)} (default "
                             f"{DEFAULT_DATASETS})")
    parser.add_argument("--out", default=os.path.join("runs", "bench-quality"), metavar="DIR")
    parser.add_argument("--shared", default=SHARED, metavar="DIR",
                        help=f"the real datasets (default {SHARED})")
    parser.add_argument("--config", metavar="FILE", help="training config for every dataset")
    parser.add_argument("--epochs", type=int, help="override the config's epochs")
    parser.add_argument("--k", default="10,20,100")
    parser.add_argument("--no-tutorial", action="store_true",
                        help="skip the TFRS tutorial protocol on MovieLens 100K")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}")
    os.makedirs(args.out, exist_ok=True)
    train_flags = (["--config", args.config] if args.config else []) + (
        ["--epochs", str(args.epochs)] if args.epochs else [])

    from model.data import Quarantine, load_dataset

    results, rows = {}, []
    for name in names:
        data = prepare(name, args.out, args.shared)
        summary = load_dataset(data, quarantine=Quarantine()).summary()
        run = os.path.join(args.out, "runs", name)
        shutil.rmtree(run, ignore_errors=True)  # a fresh run: the time is a full training
        train_seconds = persona_cli("train", "--data", data, "--out", run, *train_flags)
        report_path = os.path.join(args.out, name + ".json")
        eval_seconds = persona_cli("evaluate", "--run", run, "--data", data, "--k", args.k,
                                   "--json", report_path)
        with open(report_path) as f:
            report = json.load(f)
        results[name] = {**{k: summary[k] for k in ("events", "users", "items")},
                         "train_seconds": round(train_seconds, 1),
                         "evaluate_seconds": round(eval_seconds, 1), "report": report_path}
        rows += checks(name, report, train_seconds, summary["events"])

    tutorial = None
    if not args.no_tutorial:
        from model.evaluation.tutorial_protocol import tutorial_protocol
        data = prepare("movielens", args.out, args.shared)
        shutil.rmtree(os.path.join(args.out, "tutorial"), ignore_errors=True)  # fresh, timed
        tutorial = tutorial_protocol(data, os.path.join(args.out, "tutorial"), args.config)
        if "model" in tutorial:
            top100 = tutorial["model"]["top_100_accuracy"]
            rows.append(("movielens tutorial protocol: model top-100 accuracy", f"{top100:.4f}",
                         f">= {TUTORIAL_TOP_100}", top100 >= TUTORIAL_TOP_100))

    for name, r in results.items():
        with open(os.path.splitext(r["report"])[0] + ".md") as f:
            print("\n" + f.read())
    text = summary_markdown(rows, tutorial, results)
    print(text)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"datasets": results, "tutorial": tutorial,
                   "checks": [dict(zip(("check", "value", "bar", "passed"), r)) for r in rows]},
                  f, indent=2)
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
