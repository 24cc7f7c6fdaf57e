"""`persona pretrain`: domain pretraining of the text encoder (masked LM) on a dataset's texts.

Texts: item title + description, review texts (events.text) and search queries. Writes OUT as a
weights directory (config.json, vocab.txt, model.safetensors with the MLM head) that
`load_text_encoder(weights=OUT)` / TextEncoder(weights_dir=OUT) start from, TensorBoard logs
(OUT/logs/train and OUT/logs/heldout: mlm_loss, mlm_accuracy) and OUT/pretrain.json.

Opt-in: MLM updates can erode the contrastively tuned sentence embeddings, so the command also
reports how far held-out sentence vectors moved (mean cosine to the starting ones) and how well
their similarity structure held (Spearman correlation of pairwise cosines, start vs end).

Usage:
    persona pretrain --data data/shop --out runs/pretrain --steps 500
"""
import json
import os
import time

from persona.errors import PersonaError


def add_arguments(parser):
    parser.add_argument("--data", required=True, help="canonical dataset directory")
    parser.add_argument("--out", required=True, help="output weights directory")
    parser.add_argument("--init", default=None,
                        help="weights directory to start from (default: the packaged "
                             "all-MiniLM-L6-v2; an earlier --out resumes with its MLM head)")
    parser.add_argument("--steps", type=int, default=500, help="optimizer steps (default 500)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64,
                        help="wordpieces per text incl. [CLS]/[SEP] (default 64)")
    parser.add_argument("--learning-rate", type=float, default=2e-5,
                        help="the encoder's peak AdamW learning rate (default 2e-5)")
    parser.add_argument("--head-learning-rate", type=float, default=1e-3,
                        help="the MLM head's peak AdamW learning rate (default 1e-3)")
    parser.add_argument("--warmup-steps", type=int, default=None,
                        help="linear warmup steps (default 10%% of --steps)")
    parser.add_argument("--mask-rate", type=float, default=0.15)
    parser.add_argument("--heldout", type=int, default=256,
                        help="texts held out to measure MLM loss (at most 10%% of them)")
    parser.add_argument("--eval-every", type=int, default=100,
                        help="steps between held-out evaluations (default 100)")
    parser.add_argument("--seed", type=int, default=0)


def dataset_texts(ds):
    """Distinct non-blank texts: item title + description, review texts, search queries."""
    items = (ds.items["title"].str.strip() + " " + ds.items["description"].str.strip()).tolist()
    texts = items + ds.events["text"].tolist() + ds.queries["query"].tolist()
    return list(dict.fromkeys(t.strip() for t in texts if t.strip()))


def similarity_structure_kept(before, after):
    """Spearman correlation of all pairwise cosines of unit vectors, before vs after (None if
    fewer than 3 vectors)."""
    import numpy as np
    from scipy.stats import spearmanr

    if len(before) < 3:
        return None
    i, j = np.triu_indices(len(before), k=1)
    return float(spearmanr((before @ before.T)[i, j], (after @ after.T)[i, j]).statistic)


def _check_args(args):
    for name in ("steps", "batch_size", "heldout", "eval_every"):
        if getattr(args, name) < 1:
            raise PersonaError(f"--{name.replace('_', '-')} must be at least 1")
    if not 8 <= args.max_length <= 512:
        raise PersonaError("--max-length must be in 8..512")
    if not 0 < args.mask_rate < 1:
        raise PersonaError("--mask-rate must be in (0, 1)")
    if args.learning_rate < 0 or args.head_learning_rate <= 0:
        raise PersonaError("learning rates must be positive (--learning-rate 0 freezes the "
                           "encoder)")


def run(args):
    import numpy as np

    from model.data import Quarantine, load_dataset

    _check_args(args)
    quarantine = Quarantine()
    texts = dataset_texts(load_dataset(args.data, quarantine=quarantine))
    if len(texts) < 2:
        raise PersonaError(f"{args.data}: {len(texts)} distinct text(s) in items (title, "
                           f"description), events (text) and queries; need at least 2")
    if len(quarantine):
        print(quarantine.summary())
    order = np.random.default_rng(args.seed).permutation(len(texts))
    n_heldout = max(1, min(args.heldout, len(texts) // 10))
    heldout = [texts[i] for i in order[:n_heldout]]
    train = [texts[i] for i in order[n_heldout:]]
    print(f"pretrain: {len(train)} training texts, {len(heldout)} held out")

    import tensorflow as tf
    from tqdm.auto import tqdm

    from model.text.masked_lm import MaskedLMPretraining

    mlm = MaskedLMPretraining(init=args.init, max_length=args.max_length, steps=args.steps,
                              batch_size=args.batch_size, learning_rate=args.learning_rate,
                              head_learning_rate=args.head_learning_rate,
                              warmup_steps=args.warmup_steps, mask_rate=args.mask_rate,
                              seed=args.seed)
    if not mlm.head_restored:
        print("pretrain: the starting weights have no MLM head (all-MiniLM-L6-v2 ships none); "
              "it starts untrained")
    heldout_batches = mlm.heldout_batches(heldout)
    vectors_before = mlm.sentence_vectors(heldout)
    logs = os.path.join(args.out, "logs")
    writers = {name: tf.summary.create_file_writer(os.path.join(logs, name))
               for name in ("train", "heldout")}

    def log(name, step, loss, accuracy):
        with writers[name].as_default(step=step):
            tf.summary.scalar("mlm_loss", loss)
            tf.summary.scalar("mlm_accuracy", accuracy)

    before = mlm.evaluate(heldout_batches)
    log("heldout", 0, *before)
    print(f"pretrain: held-out MLM loss {before[0]:.4f}, accuracy {before[1]:.4f} (start)")
    start = time.time()
    progress = tqdm(mlm.train(train), total=args.steps, desc="pretraining", unit="step")
    for step, (loss, accuracy) in enumerate(progress, start=1):
        log("train", step, loss, accuracy)
        with writers["train"].as_default(step=step):
            tf.summary.scalar("learning_rate", mlm.learning_rate(step))
        progress.set_postfix(loss=f"{loss:.3f}", acc=f"{accuracy:.3f}")
        if step % args.eval_every == 0 and step < args.steps:
            loss, accuracy = mlm.evaluate(heldout_batches)
            log("heldout", step, loss, accuracy)
            progress.write(f"step {step}: held-out MLM loss {loss:.4f}, accuracy {accuracy:.4f}")
    seconds = time.time() - start
    after = mlm.evaluate(heldout_batches)
    log("heldout", args.steps, *after)
    for writer in writers.values():
        writer.flush()
    vectors_after = mlm.sentence_vectors(heldout)
    cosine = float(np.mean(np.sum(vectors_before * vectors_after, axis=1)))
    structure = similarity_structure_kept(vectors_before, vectors_after)
    version = mlm.save(args.out)

    summary = {
        "data": os.path.abspath(args.data), "init": mlm.pretrained.directory,
        "init_version": mlm.pretrained.version, "version": version,
        "train_texts": len(train), "heldout_texts": len(heldout), "steps": args.steps,
        "batch_size": args.batch_size, "max_length": args.max_length,
        "learning_rate": args.learning_rate, "head_learning_rate": args.head_learning_rate,
        "mask_rate": args.mask_rate,
        "seconds": round(seconds, 1),
        "heldout_mlm_loss": {"start": before[0], "end": after[0]},
        "heldout_mlm_accuracy": {"start": before[1], "end": after[1]},
        "heldout_sentence_cosine_to_start": cosine,
        "heldout_pairwise_similarity_spearman": structure,
    }
    with open(os.path.join(args.out, "pretrain.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    print(f"pretrain: held-out MLM loss {before[0]:.4f} -> {after[0]:.4f}, accuracy "
          f"{before[1]:.4f} -> {after[1]:.4f} ({args.steps} steps, {seconds:.0f} s)")
    print(f"pretrain: held-out sentence vectors: mean cosine to the start {cosine:.4f}"
          + ("" if structure is None else
             f", pairwise-similarity Spearman start vs end {structure:.4f}"))
    print(f"pretrain: weights in {args.out} (version {version}); start from them with "
          f"load_text_encoder(weights={args.out!r}); TensorBoard: --logdir {logs}")
    return 0
