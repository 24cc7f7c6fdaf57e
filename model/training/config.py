"""Training configuration: defaults, a JSON or YAML file on top, command-line flags on top of that.

Usage:
    config = TrainConfig.load("configs/shop.yaml", epochs=3)   # file, then overrides
    config.embedding_dim, config.to_dict()
    TrainConfig.from_dict(json.load(open("runs/r1/config.json")))
"""
import dataclasses
import json
import os

from persona.errors import PersonaError


@dataclasses.dataclass
class TrainConfig:
    # Splits (model.data.splits.make_splits).
    split_seed: int = 0
    cold_start_fraction: float = 0.1
    # Features.
    example_order: str = "auto"  # "time", "random", "auto" (model.features.examples)
    history_length: int = 20  # most recent distinct items the behavior tower reads
    max_friends: int = 20
    friend_history_length: int = 50  # most recent distinct items of each friend the social
    # modality reads (what the friends consumed)
    max_text_pieces: int = 8  # most recent own texts averaged into the user's text vector
    max_affinity_categories: int = 32  # top-level categories in the affinity distribution
    price_bins: int = 10
    text_max_length: int = 64  # wordpieces per text for the BERT encoder
    text_weights: str = ""  # a text encoder weights directory (`persona pretrain`); "": MiniLM
    text_cache_dir: str = dataclasses.field(
        default_factory=lambda: os.environ.get("PERSONA_TEXT_CACHE", ".cache/text"))
    # Social graph embeddings (DeepWalk).
    graph_dim: int = 32
    walks_per_node: int = 4
    walk_length: int = 10
    walk_window: int = 3
    walk_negatives: int = 4
    walk_epochs: int = 1
    # Model.
    embedding_dim: int = 64
    transformer_layers: int = 0  # over the history before attention pooling; 0: pooling only
    attention_heads: int = 2
    modality_dropout: float = 0.3  # per modality and example, while training
    new_user_rate: float = 0.2  # examples trained as if the user id were unknown
    temperature: float = 0.05
    retrieval_weight: float = 1.0
    modality_loss_weight: float = 0.3  # each modality alone as a retrieval query, per modality
    ranking_weight: float = 0.1  # 0 turns the ranking task off
    # Optimization.
    seed: int = 0
    batch_size: int = 512
    epochs: int = 10
    learning_rate: float = 3e-3
    early_stopping_patience: int = 2
    monitor_k: int = 50  # early stopping watches validation recall@monitor_k
    validation_users: int = 2000  # at most this many validation users per epoch
    # Segments.
    segments_min_k: int = 2
    segments_max_k: int = 12
    # Runtime.
    mixed_precision: str = "auto"  # "auto": on when training on GPUs; "on" / "off"
    projector_items: int = 5000  # items written to the TensorBoard embedding projector

    @classmethod
    def from_dict(cls, values):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise PersonaError(f"unknown config key(s): {', '.join(unknown)} "
                               f"(known: {', '.join(sorted(names))})")
        config = cls()
        for key, value in values.items():
            default = getattr(config, key)
            try:
                value = type(default)(value) if default is not None else value
            except (TypeError, ValueError) as e:
                raise PersonaError(f"config {key}: expected {type(default).__name__}, "
                                   f"got {value!r}") from e
            setattr(config, key, value)
        return config

    @classmethod
    def load(cls, path=None, **overrides):
        """Defaults < the file at `path` (.json, .yaml, .yml) < `overrides` that are not None."""
        values = read_config_file(path) if path else {}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(values)

    def to_dict(self):
        return dataclasses.asdict(self)

    def save(self, path):
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2)


def read_config_file(path):
    if not os.path.isfile(path):
        raise PersonaError(f"{path}: config file not found")
    with open(path) as f:
        text = f.read()
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml
            values = yaml.safe_load(text) or {}
        else:
            values = json.loads(text)
    except Exception as e:  # json and yaml raise their own error types
        raise PersonaError(f"{path}: cannot parse config: {e}") from e
    if not isinstance(values, dict):
        raise PersonaError(f"{path}: a config file must hold a mapping of key: value")
    return values
