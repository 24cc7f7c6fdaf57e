"""The text encoder against independent references on the packaged all-MiniLM-L6-v2 weights.

The references here share nothing with model.text: a pure-Python WordPiece tokenizer (the
uncased BERT BasicTokenizer + WordPiece rules) and a NumPy BERT forward pass in float64 that
reads model.safetensors directly and runs each sentence unpadded.
"""
import json
import os
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from safetensors.numpy import load_file
from scipy.special import erf

from model.text import load_text_encoder
from model.text import weights as weights_lib

MAX_LENGTH = 64
SENTENCES = [
    "Red wool scarf, perfect for winter!",
    "Price: $19.99 (was $25.00) - save 20%!!!",
    "Order #12345 shipped on 2024-03-15 at 10:30am.",
    "東京で買った青いワンピース",
    "这件衬衫很好看，尺码偏小。",
    "Love it 😀👍 would buy again ❤️",
    "Café crème brûlée — naïve façade résumé",
    "I can't believe it's not butter... it's GREAT.",
    'size: 10.5 / EU 44; width=wide & color="navy"',
    "email john.doe@example.com or see https://shop.example.com/p?id=42",
    "ÀÉÎÕÜ straße\tTabs\nand\r\nnewlines",
    "unbelievably overpriced antidisestablishmentarianism",
    "Ｔシャツ（Ｌサイズ）　ﬁne print ¹²³ ①",                # full-width, ligature, superscripts
    "dev 👩\u200d💻 sells soft\u00adhyphen\ufeffitems",  # zero-width joiner, soft hyphen, BOM
    "This very long review keeps going on and on. " * 12,  # longer than MAX_LENGTH pieces
    "",
    "   \t  ",
]


# --- independent references -----------------------------------------------------------------

def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return any(lo <= cp <= hi for lo, hi in [
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def reference_wordpiece_ids(text, vocab):
    """Uncased BERT tokenization (github.com/google-research/bert tokenization.py rules)."""
    cleaned = []
    for ch in text:
        if ord(ch) in (0, 0xFFFD) or (ch not in "\t\n\r"
                                      and unicodedata.category(ch).startswith("C")):
            continue
        ws = ch in " \t\n\r" or unicodedata.category(ch) == "Zs"
        cleaned.append(" " if ws else f" {ch} " if _is_cjk(ord(ch)) else ch)
    words = []
    for token in "".join(cleaned).split():
        token = unicodedata.normalize("NFD", token.lower())
        token = "".join(ch for ch in token if unicodedata.category(ch) != "Mn")
        current = ""
        for ch in token:
            if _is_punctuation(ch):
                words += [current, ch] if current else [ch]
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    ids = []
    for word in words:
        pieces, start = [], 0
        while start < len(word) and len(word) <= 100:
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in vocab:
                end -= 1
            if end == start:
                break
            pieces.append(vocab[("##" if start else "") + word[start:end]])
            start = end
        ids += pieces if start == len(word) and pieces else [vocab["[UNK]"]]
    return ids


def reference_input_ids(text, vocab, max_length=MAX_LENGTH):
    return ([vocab["[CLS]"]] + reference_wordpiece_ids(text, vocab)[:max_length - 2]
            + [vocab["[SEP]"]])


def _layer_norm(x, gamma, beta, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def reference_sentence_embedding(ids, t, heads=12):
    """NumPy BERT (float64, unpadded), mean over tokens, L2 normalized."""
    w = {k: v.astype(np.float64) for k, v in t.items() if v.dtype == np.float32}
    n = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[1]
    d = hidden // heads
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in w:
        p = f"encoder.layer.{layer}."

        def linear(v, name):
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (linear(x, f"attention.self.{n_}").reshape(n, heads, d).transpose(1, 0, 2)
                   for n_ in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = _layer_norm(x + linear(context, "attention.output.dense"),
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"])
        inner = linear(x, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))  # exact GELU
        x = _layer_norm(x + linear(inner, "output.dense"), w[p + "output.LayerNorm.weight"],
                        w[p + "output.LayerNorm.bias"])
        layer += 1
    mean = x.mean(0)
    return mean / np.linalg.norm(mean)


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedder():
    return load_text_encoder(max_length=MAX_LENGTH)


@pytest.fixture(scope="module")
def packaged():
    directory = weights_lib.packaged_model_dir()
    vocab = {tok: i for i, tok in enumerate(weights_lib.read_vocab(
        os.path.join(directory, "vocab.txt")))}
    return vocab, load_file(os.path.join(directory, "model.safetensors"))


@pytest.fixture(scope="module")
def live_vectors(embedder):
    return embedder(SENTENCES)


# --- tests ------------------------------------------------------------------------------------

def test_tokenizer_matches_pure_python_wordpiece(embedder, packaged):
    import tensorflow as tf

    vocab, _ = packaged
    out = {k: v.numpy() for k, v in embedder.layer.tokenizer(tf.constant(SENTENCES)).items()}
    assert out["input_word_ids"].shape == (len(SENTENCES), MAX_LENGTH)
    for row, text in enumerate(SENTENCES):
        expected = reference_input_ids(text, vocab)
        n = len(expected)
        assert out["input_word_ids"][row, :n].tolist() == expected, text
        assert not out["input_word_ids"][row, n:].any()  # [PAD] is id 0
        assert out["input_mask"][row].tolist() == [1] * n + [0] * (MAX_LENGTH - n)
        assert not out["input_type_ids"][row].any()
    assert vocab["[UNK]"] in out["input_word_ids"][5]  # emoji are unknown to this vocabulary


def test_tokenizer_matches_reference_on_every_assigned_character(embedder, packaged):
    """Each assigned code point of Latin..CJK, the full-width forms and emoji, in and between
    words (the TF Text tables may know characters Python's unicodedata leaves unassigned)."""
    import tensorflow as tf

    vocab, _ = packaged
    ranges = [(0x0, 0x3400), (0x4E00, 0x4F00), (0xAC00, 0xAD00), (0xF900, 0x10000),
              (0x1F300, 0x1FB00)]
    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi)
             if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
    texts = [f"a{c}b {c}x" for c in chars]
    got = embedder.layer.tokenizer.tokenize(tf.constant(texts)).to_list()
    bad = [t for t, ids in zip(texts, got) if ids != reference_wordpiece_ids(t, vocab)]
    assert not bad, [f"U+{ord(t[1]):04X}" for t in bad[:20]]


def test_embeddings_match_numpy_bert(live_vectors, packaged):
    vocab, tensors = packaged
    reference = np.stack([reference_sentence_embedding(reference_input_ids(t, vocab), tensors)
                          for t in SENTENCES])
    assert live_vectors.dtype == np.float32 and live_vectors.shape == (len(SENTENCES), 384)
    assert np.abs(live_vectors - reference).max() < 1e-4


def test_empty_string_is_the_cls_sep_vector(embedder, live_vectors, packaged):
    vocab, tensors = packaged
    cls_sep = reference_sentence_embedding([vocab["[CLS]"], vocab["[SEP]"]], tensors)
    np.testing.assert_allclose(live_vectors[SENTENCES.index("")], cls_sep, atol=1e-4)
    np.testing.assert_allclose(live_vectors[-1], live_vectors[-2], atol=1e-6)  # blank == empty
    np.testing.assert_allclose(embedder(["\x00\u200b\t"]), live_vectors[-1:], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(live_vectors, axis=1), 1.0, atol=1e-5)
    assert embedder([]).shape == (0, 384)


def test_vectors_do_not_depend_on_batching(embedder, live_vectors):
    one_by_one = np.concatenate([embedder([t]) for t in SENTENCES[:4]])
    np.testing.assert_allclose(one_by_one, live_vectors[:4], atol=1e-5)


def test_weight_mapping_fails_loudly(packaged):
    _, tensors = packaged
    config = weights_lib.load_pretrained().config
    encoder = weights_lib.build_bert_encoder(config)
    with pytest.raises(weights_lib.WeightsError, match="no place in the encoder: cls.seq"):
        weights_lib.assign_encoder_weights(encoder, {**tensors, "cls.seq.weight": np.zeros(2)},
                                           config)
    missing = dict(tensors)
    del missing["encoder.layer.3.output.dense.bias"]
    with pytest.raises(weights_lib.WeightsError, match="missing tensor.*layer.3.output.dense.b"):
        weights_lib.assign_encoder_weights(encoder, missing, config)
    name = "encoder.layer.2.intermediate.dense.weight"
    with pytest.raises(weights_lib.WeightsError, match=r"intermediate.dense.weight has shape "
                                                       r"\(384, 1536\)"):
        weights_lib.assign_encoder_weights(encoder, {**tensors, name: tensors[name].T}, config)


def test_savedmodel_reloads_with_only_tensorflow_text(embedder, live_vectors, tmp_path):
    import tensorflow as tf

    module = tf.Module()
    module.text_encoder = embedder.layer
    module.serve = tf.function(
        lambda texts: {"embedding": embedder.layer(texts, training=False)},
        input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    tf.saved_model.save(module, str(tmp_path / "model"),
                        signatures={"serving_default": module.serve})
    script = (
        "import json, sys\n"
        "import numpy as np, tensorflow as tf, tensorflow_text  # noqa: F401 (registers ops)\n"
        "serve = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "texts = tf.constant(json.loads(sys.argv[2]))\n"
        "np.save(sys.argv[3], serve(texts=texts)['embedding'].numpy())\n")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "model"),
                    json.dumps(SENTENCES), str(tmp_path / "out.npy")], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), live_vectors, atol=1e-5)


def test_tokenizer_config_round_trip(embedder):
    import tensorflow as tf

    from model.text.tokenizer import BertInputTokenizer

    tokenizer = embedder.layer.tokenizer
    clone = BertInputTokenizer.from_config(tokenizer.get_config())
    texts = tf.constant(SENTENCES[:3])
    np.testing.assert_array_equal(clone(texts)["input_word_ids"],
                                  tokenizer(texts)["input_word_ids"])
    assert embedder.layer.get_config()["max_length"] == MAX_LENGTH


def test_cache_matches_live_and_encodes_each_text_once(embedder, live_vectors, tmp_path):
    from model.text.cache import TextEmbeddingCache

    texts = SENTENCES[:6] + SENTENCES[:3]
    cache = TextEmbeddingCache(tmp_path, encoder=embedder)
    np.testing.assert_allclose(cache.embed(texts, progress=False),
                               np.concatenate([live_vectors[:6], live_vectors[:3]]), atol=1e-5)
    assert (len(cache), cache.encoded) == (6, 6)
    cache.embed(SENTENCES, progress=False)
    assert (len(cache), cache.encoded) == (len(SENTENCES), len(SENTENCES))

    reopened = TextEmbeddingCache(tmp_path, max_length=MAX_LENGTH)  # same version, from disk
    assert reopened.version == embedder.version
    np.testing.assert_allclose(reopened.embed(SENTENCES[::-1], progress=False),
                               live_vectors[::-1], atol=1e-5)
    assert reopened.encoded == 0
    assert TextEmbeddingCache(tmp_path, max_length=32).version != embedder.version


def test_cache_keys_survive_any_digest_bytes(embedder, tmp_path):
    from model.text.cache import TextEmbeddingCache, text_key

    # Digests that end in NUL bytes once broke a fixed-width bytes index (numpy strips them).
    text = next(f"text {i}" for i in range(10_000) if text_key(f"text {i}").endswith(b"\0"))
    TextEmbeddingCache(tmp_path, encoder=embedder).embed([text], progress=False)
    reopened = TextEmbeddingCache(tmp_path, encoder=embedder)
    assert text in reopened
    np.testing.assert_allclose(reopened.embed([text], progress=False), embedder([text]),
                               atol=1e-6)
    assert reopened.encoded == 0


def test_fine_tuning_trains_only_the_top_layers(embedder, live_vectors):
    import tensorflow as tf

    from model.text.encoder import TextEncoder
    from model.text.finetune import TopLayerFineTuning

    layer = TextEncoder(max_length=MAX_LENGTH, trainable_layers=2)
    tuned = {v.name for v in layer.trainable_weights}
    assert len(tuned) == 2 * 16 and all("/layer_4/" in n or "/layer_5/" in n for n in tuned)
    texts = tf.constant(SENTENCES[:4])
    # The split forward pass (frozen part, then top layers) equals the plain encoder.
    np.testing.assert_allclose(layer(texts, training=False), live_vectors[:4], atol=1e-5)
    assert not np.allclose(layer(texts, training=True), layer(texts, training=True))  # dropout

    tuning = TopLayerFineTuning(layer, train_steps=4, learning_rate=1e-3, warmup_steps=1)
    other = tf.Variable(1.0)
    before = {v.name: v.numpy() for v in layer.weights}
    for _ in range(2):
        with tf.GradientTape() as tape:
            vectors = layer(texts, training=True)
            loss = -tf.reduce_sum(vectors[0] * vectors[1]) * other
        variables = layer.trainable_weights + [other]
        rest = tuning.apply_gradients(zip(tape.gradient(loss, variables), variables))
        assert [v for _, v in rest] == [other]
    changed = {v.name for v in layer.weights if not np.array_equal(v.numpy(), before[v.name])}
    assert changed and changed <= tuned
    assert any("/layer_4/" in n for n in changed) and any("/layer_5/" in n for n in changed)
