"""In-graph BERT tokenization: raw strings -> word ids, mask and type ids for BertEncoderV2.

Reproduces the uncased BERT tokenizer all-MiniLM-L6-v2 was trained with: drop control and
format characters, lower case, NFD, strip accents (TF string ops and TF Text's normalize_utf8),
then `tensorflow_text.FastBertTokenizer` splits words, punctuation and CJK characters and runs
WordPiece. Its built-in normalizer (lower_case_nfd_strip_accents) is not used: it case-folds with
NFKC, which turns full-width punctuation ("，" -> ","), ligatures and styled letters into other
ids than the reference, and it keeps format characters (zero-width joiner, soft hyphen) the
reference drops. Model Garden's `BertPackInputs` adds [CLS]/[SEP], truncates and pads.

Everything is TensorFlow ops, so an exported SavedModel takes raw strings (TF Serving links the
TF Text ops; a Python loader must `import tensorflow_text`).

Usage:
    tokenizer = BertInputTokenizer(vocab_file, max_length=64)
    inputs = tokenizer(tf.constant(["Red wool scarf", ""]))
    inputs["input_word_ids"]   # [2, 64] int32: [CLS] red wool scarf [SEP] [PAD] ...
"""
import tensorflow as tf
import tensorflow_text as text
import tf_keras
from official.nlp.modeling import layers

from model.text.weights import read_vocab


def normalize(texts):
    """The uncased BERT normalization (google-research/bert tokenization.py) in TF ops."""
    texts = tf.strings.regex_replace(texts, r"[\t\n\r]", " ")
    # Control, format, private-use and unassigned characters, and U+FFFD, are dropped.
    texts = tf.strings.regex_replace(texts, r"[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z}]|\x{FFFD}", "")
    texts = text.normalize_utf8(tf.strings.lower(texts, encoding="utf-8"), "NFD")
    return tf.strings.regex_replace(texts, r"\p{Mn}", "")


@tf_keras.utils.register_keras_serializable(package="persona")
class BertInputTokenizer(tf_keras.layers.Layer):
    """[B] strings -> dict(input_word_ids, input_mask, input_type_ids), each [B, max_length] int32.

    Texts longer than `max_length - 2` wordpieces are cut at the end. The empty string (and a
    string of only whitespace or control characters) becomes "[CLS] [SEP]".
    """

    def __init__(self, vocab_file, max_length=64, **kwargs):
        super().__init__(**kwargs)
        if max_length < 2:
            raise ValueError(f"max_length must leave room for [CLS] and [SEP], got {max_length}")
        self.vocab_file = vocab_file
        self.max_length = int(max_length)
        vocab = read_vocab(vocab_file)
        self.special_ids = {t: vocab.index(t)
                            for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}
        self._wordpiece = text.FastBertTokenizer(
            vocab=vocab, token_out_type=tf.int32, unknown_token="[UNK]")
        self._pack = layers.BertPackInputs(
            self.max_length, start_of_sequence_id=self.special_ids["[CLS]"],
            end_of_segment_id=self.special_ids["[SEP]"], padding_id=self.special_ids["[PAD]"])

    def tokenize(self, texts):
        """[B] strings -> RaggedTensor [B, (wordpieces)] int32, no special tokens, no truncation."""
        return self._wordpiece.tokenize(normalize(tf.reshape(texts, [-1])))

    def call(self, texts):
        return self._pack(self.tokenize(texts))

    def get_config(self):
        return {**super().get_config(), "vocab_file": self.vocab_file,
                "max_length": self.max_length}
