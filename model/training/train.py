"""`persona train --data DIR --out RUN_DIR [--config FILE] [--epochs N]`.

Trains the profile model on a canonical dataset: splits, features, TFRS training with a
checkpoint per epoch (rerun the same command to resume a killed run), early stopping on
validation recall, TensorBoard logs under RUN_DIR/logs, segments. Settings: TrainConfig
defaults, then the config file (JSON or YAML), then flags.

Usage:
    persona train --data data/shop --out runs/shop --epochs 5
    tensorboard --logdir runs/shop/logs
"""
import json
import os


def add_arguments(parser):
    parser.add_argument("--data", required=True, metavar="DIR", help="canonical dataset")
    parser.add_argument("--out", required=True, metavar="RUN_DIR",
                        help="run directory (an existing run there is resumed)")
    parser.add_argument("--config", metavar="FILE", help="JSON or YAML file of TrainConfig keys")
    parser.add_argument("--epochs", type=int, metavar="N", help="overrides the config")
    parser.add_argument("--batch-size", type=int, metavar="B", help="overrides the config")
    parser.add_argument("--seed", type=int, metavar="S", help="overrides the config")


def run(args):
    from model.data import Quarantine, load_dataset
    from model.data.splits import make_splits
    from model.training.config import TrainConfig
    from model.training.trainer import train
    from persona.errors import PersonaError

    config = TrainConfig.load(args.config, epochs=args.epochs, batch_size=args.batch_size,
                              seed=args.seed)
    if config.epochs < 1:
        raise PersonaError("--epochs must be at least 1")
    quarantine = Quarantine()
    ds = load_dataset(args.data, quarantine=quarantine)
    if len(quarantine):
        quarantine.write(os.path.join(args.out, "quarantine.csv"))
        print(f"{len(quarantine)} bad rows quarantined -> {args.out}/quarantine.csv")
    splits = make_splits(ds, seed=config.split_seed,
                         cold_start_fraction=config.cold_start_fraction)
    summary = train(ds, splits, args.out, config)
    if summary:
        print(json.dumps({k: v for k, v in summary.items() if k != "history"}, indent=2))


def train_on_splits(ds, splits, run_dir, config=None, **overrides):
    """train() on given splits (e.g. a benchmark's own protocol). `config`: a TrainConfig, a
    dict of its keys, a JSON/YAML path, or None for the defaults; `overrides` go on top."""
    from model.training.config import TrainConfig
    from model.training.trainer import train

    if isinstance(config, TrainConfig):
        config = TrainConfig.from_dict({**config.to_dict(), **overrides})
    elif isinstance(config, dict):
        config = TrainConfig.from_dict({**config, **overrides})
    else:
        config = TrainConfig.load(config, **overrides)
    return train(ds, splits, run_dir, config)
