"""TextPiecesEncoder: a raw user text -> the mean BERT vector of its last pieces, in the graph.

The serving-side twin of model.features.user_text: the text is split on TEXT_SEPARATOR, empty
pieces dropped, the last `max_pieces` encoded by the TextEncoder and averaged. "" -> zeros.

Usage:
    layer = TextPiecesEncoder(TextEncoder(max_length=64), max_pieces=8)
    layer(tf.constant(["bio . first review . a query", ""]))    # [2, 384]; row 1 is zeros
"""
import tensorflow as tf

from model.data.user_inputs import TEXT_SEPARATOR


class TextPiecesEncoder(tf.keras.layers.Layer):
    def __init__(self, encoder, max_pieces, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.encoder = encoder
        self.max_pieces = int(max_pieces)

    def pieces(self, texts):
        """[B] strings -> RaggedTensor [B, (pieces)] of the last `max_pieces` non-empty pieces."""
        pieces = tf.strings.strip(tf.strings.split(texts, sep=TEXT_SEPARATOR))
        return tf.ragged.boolean_mask(pieces, pieces != "")[:, -self.max_pieces:]

    def call(self, texts):
        pieces = self.pieces(tf.reshape(texts, [-1]))
        vectors = self.encoder(pieces.flat_values, training=False)
        per_text = tf.RaggedTensor.from_row_splits(vectors, pieces.row_splits)
        count = tf.cast(pieces.row_lengths(), vectors.dtype)[:, None]
        return tf.reduce_sum(per_text, axis=1) / tf.maximum(count, 1.0)
