"""TextEmbedder: a frozen TextEncoder behind a NumPy interface, for batch jobs and the cache.

Usage:
    from model.text import load_text_encoder
    enc = load_text_encoder(max_length=64)
    vectors = enc(["red wool scarf", "蓝色连衣裙 😀", ""])   # np.ndarray [3, 384] float32, unit rows
    enc.version                                   # "<weights version>-len64-r2", a cache key
"""
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from model.text import weights as weights_lib
from model.text.encoder import TextEncoder


class TextEmbedder:
    """Encodes lists of strings in fixed-size batches with a traced, frozen TextEncoder."""

    def __init__(self, layer, batch_size=32):
        self.layer = layer
        self.batch_size = int(batch_size)
        # One trace serves every batch: the signature fixes dtype and rank, not the batch size.
        self._encode = tf.function(lambda texts: layer(texts, training=False),
                                   input_signature=[tf.TensorSpec([None], tf.string)])

    @property
    def dim(self):
        return self.layer.dim

    @property
    def max_length(self):
        return self.layer.max_length

    @property
    def version(self):
        """Identifies what a text's vector depends on (the embedding cache's key)."""
        return weights_lib.encoder_version(self.layer.weights_version, self.layer.max_length)

    def __call__(self, texts, progress=False):
        """list of str -> np.ndarray [len(texts), dim] float32 with L2-normalized rows."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        out = np.empty((len(texts), self.dim), np.float32)
        with tqdm(total=len(texts), desc="encoding texts", unit="text",
                  disable=not progress) as bar:
            for start, vectors in zip(range(0, len(texts), self.batch_size),
                                      self.iter_batches(texts)):
                out[start:start + len(vectors)] = vectors
                bar.update(len(vectors))
        return out

    def iter_batches(self, texts):
        """Yields the vectors of texts[0:batch_size], texts[batch_size:2*batch_size], ..."""
        for start in range(0, len(texts), self.batch_size):
            yield self._encode(tf.constant(texts[start:start + self.batch_size], tf.string)).numpy()


def load_text_encoder(max_length=64, weights=None, batch_size=32):
    """The frozen sentence encoder: packaged all-MiniLM-L6-v2, or a `persona pretrain` output."""
    return TextEmbedder(TextEncoder(weights_dir=weights, max_length=max_length),
                        batch_size=batch_size)
