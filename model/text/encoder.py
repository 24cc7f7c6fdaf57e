"""TextEncoder: a Keras layer from raw strings to sentence embeddings with pretrained BERT.

all-MiniLM-L6-v2 in Model Garden's BertEncoderV2 (see `weights`), in-graph tokenization (see
`tokenizer`), mean pooling over the attention mask, L2 normalization: the sentence-transformers
recipe, so vectors match the published model (within 1e-4, tests/test_text_encoder.py).

The empty string encodes as "[CLS] [SEP]", a fixed unit vector (the same one sentence-transformers
gives): "no text" is a valid input, not an error; code that must tell "unknown" apart checks for
"" itself.

Usage:
    layer = TextEncoder(max_length=64)            # packaged weights, frozen
    layer(tf.constant(["red wool scarf"]))        # [1, 384] float32, unit rows
    TextEncoder(weights_dir="runs/pretrain")      # weights written by `persona pretrain`
    TextEncoder(trainable_layers=2)               # top 2 transformer layers train (see finetune)
"""
import tensorflow as tf
import tf_keras

from model.text import weights as weights_lib
from model.text.tokenizer import BertInputTokenizer


def mean_pool(sequence, input_mask):
    """[B, L, H] token vectors, [B, L] mask -> [B, H] unit mean of the unmasked tokens.

    sentence-transformers' pooling for all-MiniLM-L6-v2 (mean over the mask, then L2 norm).
    """
    mask = tf.cast(input_mask, sequence.dtype)[:, :, None]
    mean = tf.reduce_sum(sequence * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
    return tf.math.l2_normalize(mean, axis=1)


@tf_keras.utils.register_keras_serializable(package="persona")
class TextEncoder(tf_keras.layers.Layer):
    """[B] strings -> [B, hidden] float32, L2-normalized mean of BERT's last layer over the mask.

    Args:
      weights_dir: a weights directory (config.json, vocab.txt, model.safetensors); None for the
        packaged all-MiniLM-L6-v2.
      max_length: wordpieces per text including [CLS] and [SEP]; longer texts are cut.
      trainable_layers: how many of the top transformer layers train. The rest of the encoder
        is frozen and always runs with training=False (freezing alone leaves dropout on).
    """

    def __init__(self, weights_dir=None, max_length=64, trainable_layers=0, **kwargs):
        super().__init__(**kwargs)
        pretrained = weights_lib.load_pretrained(weights_dir)
        self.weights_dir = pretrained.directory
        self.weights_version = pretrained.version
        self.max_length = int(max_length)
        self.bert_config = pretrained.config
        num_layers = pretrained.config["num_hidden_layers"]
        if not 0 <= trainable_layers <= num_layers:
            raise ValueError(f"trainable_layers must be in 0..{num_layers}, got {trainable_layers}")
        self.trainable_layers = int(trainable_layers)
        self.tokenizer = BertInputTokenizer(pretrained.vocab_file, self.max_length)
        self.bert = weights_lib.build_bert_encoder(pretrained.config)
        weights_lib.assign_encoder_weights(self.bert, pretrained.tensors, pretrained.config,
                                           source=pretrained.directory)
        self._frozen_blocks = self.bert.transformer_layers[:num_layers - self.trainable_layers]
        self._tuned_blocks = self.bert.transformer_layers[num_layers - self.trainable_layers:]
        for block in self._tuned_blocks:
            block.trainable = True
        # Everything else in the encoder (embeddings, lower blocks, pooler) is frozen.
        tuned = {id(m) for block in self._tuned_blocks for m in [block, *block.submodules]}
        for module in self.bert.submodules:
            if isinstance(module, tf_keras.layers.Layer) and id(module) not in tuned:
                module.trainable = False

    @property
    def dim(self):
        return self.bert_config["hidden_size"]

    def call(self, texts, training=False):
        inputs = self.tokenizer(texts)
        # Padding past the longest text in the batch changes nothing (it is masked out of
        # attention and pooling), so cut it: short texts (titles, queries) encode much faster.
        longest = tf.maximum(tf.reduce_max(tf.reduce_sum(inputs["input_mask"], axis=1)), 2)
        inputs = {k: v[:, :longest] for k, v in inputs.items()}
        if self.trainable_layers:
            sequence = self._fine_tuned_sequence_output(inputs, training)
        else:
            sequence = self.bert(inputs, training=False)["sequence_output"]
        return mean_pool(sequence, inputs["input_mask"])

    def _fine_tuned_sequence_output(self, inputs, training):
        """The encoder's forward pass, split: frozen part with training=False, top as asked.

        Mirrors BertEncoderV2.call (official/nlp/modeling/networks/bert_encoder.py), which has no
        per-layer training switch. tests/test_text_encoder.py checks both paths agree.
        """
        bert = self.bert
        x = bert._get_embeddings(inputs["input_word_ids"], inputs["input_type_ids"], None, None,
                                 None)
        x = bert._embedding_norm_layer(x, training=False)
        attention_mask = bert._attention_mask_layer(x, inputs["input_mask"])
        for block in self._frozen_blocks:
            x = block([x, attention_mask], training=False)
        # No gradient flows into the frozen part: it would cost a full backward pass for nothing.
        x = tf.stop_gradient(x)
        for block in self._tuned_blocks:
            x = block([x, attention_mask], training=training)
        return x

    def compute_output_shape(self, input_shape):
        return tf.TensorShape([input_shape[0], self.dim])

    def get_config(self):
        return {**super().get_config(), "weights_dir": self.weights_dir,
                "max_length": self.max_length, "trainable_layers": self.trainable_layers}
