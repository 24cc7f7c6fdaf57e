"""`persona evaluate`: the trained model and the baselines, ranked over the full catalogue.

Cohorts `warm`, `cold_start`, `anonymous` and `all` (together) of the run's own split
(RUN_DIR/splits, written by `persona train`; see model.evaluation.requests); the model whole
and with one modality only (`model:text`, `model:behavior`, `model:social`); baselines fit in
the same command on the same split: `popularity`, `ease`, `id_two_tower`, `text_only`,
`friends_items` (model.baselines). Baselines tune their
one knob (EASE's l2, the two-tower's epochs) on the validation items, then fit on train +
validation: everything known before the test items, so they know no less than the model.

Usage:
    persona evaluate --run runs/r1 --data data/shop --k 10,20,100 --json runs/r1/eval.json
    persona evaluate --run runs/r1 --data data/shop --methods popularity,ease   # no model needed
"""
import os
import time

from persona import contract
from persona.errors import PersonaError

METHODS = ("model", "popularity", "ease", "id_two_tower", "text_only", "friends_items")
ABLATIONS = {"model:text": ("text",), "model:behavior": ("behavior",),
             "model:social": ("social",)}
COHORTS = ("warm", "cold_start", "anonymous")
DEFAULT_EASE_MAX_ITEMS = 10000


def add_arguments(parser):
    parser.add_argument("--run", required=True, metavar="RUN_DIR", help="a `persona train` run")
    parser.add_argument("--data", required=True, metavar="DIR", help="the run's dataset")
    parser.add_argument("--k", default="10,20,100", metavar="K,K,..",
                        help="cut-offs (default 10,20,100)")
    parser.add_argument("--json", metavar="FILE",
                        help="report path (default RUN_DIR/evaluation.json); the Markdown "
                             "table goes beside it (.md)")
    parser.add_argument("--methods", default=",".join(METHODS), metavar="M,M,..",
                        help=f"what to evaluate (default {','.join(METHODS)})")
    parser.add_argument("--text-cache", metavar="DIR",
                        help="text embedding cache of the text_only baseline (default "
                             "$PERSONA_TEXT_CACHE or .cache/text)")
    parser.add_argument("--ease-max-items", type=int, default=DEFAULT_EASE_MAX_ITEMS,
                        metavar="N", help="EASE's dense item-item matrix covers at most the N "
                        f"most popular items (default {DEFAULT_EASE_MAX_ITEMS})")
    parser.add_argument("--seed", type=int, default=0)


def _parse_list(text, what, allowed=None):
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise PersonaError(f"{what}: empty list")
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise PersonaError(f"{what}: unknown {', '.join(unknown)} (choose from "
                               f"{', '.join(allowed)})")
    return values


def parse_ks(text):
    try:
        ks = sorted({int(k) for k in _parse_list(text, "--k")})
    except ValueError:
        raise PersonaError(f"--k: expected comma-separated integers, got {text!r}") from None
    if ks[0] < 1:
        raise PersonaError(f"--k: cut-offs must be at least 1, got {text!r}")
    return ks


def baseline_scorers(name, ds, splits, cohorts, item_ids, text_cache, ease_max_items, seed):
    """Fits baseline `name`; returns ({method: score function}, notes)."""
    import pandas as pd

    known = pd.concat([splits.train, splits.validation], ignore_index=True)
    if name == "popularity":
        from model.baselines.popularity import Popularity
        return {name: Popularity().fit(known, item_ids).score}, []
    if name == "friends_items":
        from model.baselines.friends_items import FriendsItems
        return {name: FriendsItems().fit(known, item_ids).score}, [
            "friends_items: items of the request's friends (train + validation), by how many "
            "friends have them; popularity breaks ties"]
    if name == "ease":
        from model.baselines.ease import Ease
        ease = Ease(max_items=ease_max_items)
        if len(cohorts["validation"]):
            ease.tune(splits.train, item_ids, cohorts["validation"])
        return {name: ease.fit(known, item_ids).score}, [ease.notes()]
    if name == "id_two_tower":
        from model.baselines.id_two_tower import IdTwoTower
        tt = IdTwoTower(seed=seed)
        if len(cohorts["validation"]):
            tt.tune(splits.train, item_ids, cohorts["validation"])
        return {name: tt.fit(known, item_ids).score}, [tt.notes()]
    if name == "text_only":
        from model.baselines.text_only import TextOnly
        from model.text.cache import TextEmbeddingCache
        from model.training.config import TrainConfig
        txt = TextOnly(TextEmbeddingCache(text_cache or TrainConfig().text_cache_dir)).fit(
            ds.items, item_ids)
        return {name: txt.score}, [
            "text_only: frozen all-MiniLM-L6-v2; user = mean of their own text and the texts "
            f"of their last {txt.history_length} history items; cosine with item text"]
    raise ValueError(name)


def model_scorers(recommender):
    scorers = {"model": recommender.score}
    for name, modalities in ABLATIONS.items():
        scorers[name] = lambda requests, m=modalities: recommender.score(requests, modalities=m)
    return scorers


def evaluate(ds, splits, ks, methods=METHODS, recommender=None, text_cache=None,
             ease_max_items=DEFAULT_EASE_MAX_ITEMS, seed=0):
    """Ranks the cohorts of `splits` with each method; returns the report dict (see
    model.evaluation.report). `recommender` (model.training.recommender) is needed for "model";
    `text_cache` defaults to the one training uses ($PERSONA_TEXT_CACHE or .cache/text)."""
    from tqdm.auto import tqdm

    from model.evaluation.ranking import RankingResult, rank_cohort
    from model.evaluation.report import make_report
    from model.evaluation.requests import build_cohorts

    cohorts = build_cohorts(ds, splits, validation=True)
    item_ids = (recommender.item_ids if recommender is not None
                else ds.items.item_id.to_numpy(dtype=object))
    notes = ["baselines tune on validation, then fit on train + validation; the model trains "
             "on train (validation: early stopping) and reads validation items in histories"]
    missing = len(set(ds.items.item_id) - set(item_ids))
    if missing:
        notes.append(f"{missing} dataset items are not in the model's catalogue (never hit)")
    results = {c: {} for c in ("all",) + COHORTS}
    seconds = {}
    for method in tqdm(methods, desc="methods", unit="method"):
        start = time.time()
        if method == "model":
            scorers, more = model_scorers(recommender), []
        else:
            scorers, more = baseline_scorers(method, ds, splits, cohorts, item_ids, text_cache,
                                             ease_max_items, seed)
        notes += more
        for name, score in scorers.items():
            for cohort in COHORTS:
                results[cohort][name] = rank_cohort(score, cohorts[cohort], item_ids, ks,
                                                    desc=f"{name} {cohort}")
            results["all"][name] = RankingResult.combine(results[c][name] for c in COHORTS)
        seconds[method] = round(time.time() - start, 1)
        del scorers, score  # frees a baseline's matrices before the next one is fit
    inputs = {name: cohort_inputs(cohorts[name]) for name in COHORTS}
    return make_report(ks, results, catalogue_items=len(item_ids), notes=notes, inputs=inputs,
                       seconds=seconds, split=splits.summary())


def cohort_inputs(cohort):
    """How many of a cohort's requests carry each input: what a method had to go on."""
    r = cohort.requests
    return {"users": len(r), "with_history": int((r[contract.HISTORY].map(len) > 0).sum()),
            "with_text": int((r[contract.USER_TEXT] != "").sum()),
            "with_friends": int((r[contract.FRIENDS].map(len) > 0).sum())}


def run(args):
    from model.data import Quarantine, load_dataset
    from model.data.splits import read_splits
    from model.evaluation.report import markdown, write_report

    ks = parse_ks(args.k)
    chosen = _parse_list(args.methods, "--methods", METHODS)
    methods = [m for m in METHODS if m in chosen]  # the report's order, whatever the flag's
    if not os.path.isdir(os.path.join(args.run, "splits")):
        raise PersonaError(f"{args.run}: no splits/ (train a model there with `persona train`, "
                           f"or write splits with `persona data split --out {args.run}`)")
    ds = load_dataset(args.data, quarantine=Quarantine())
    splits = read_splits(args.run)
    recommender = None
    if "model" in methods:
        from model.training.recommender import load_recommender
        recommender = load_recommender(args.run)
    report = evaluate(ds, splits, ks, methods, recommender, text_cache=args.text_cache,
                      ease_max_items=args.ease_max_items, seed=args.seed)
    report.update(run=args.run, data=args.data)
    json_path = args.json or os.path.join(args.run, "evaluation.json")
    md_path = write_report(report, json_path, title=f"Evaluation of {args.run}")
    print(markdown(report, title=f"Evaluation of {args.run}"))
    print(f"report: {json_path} and {md_path}")
