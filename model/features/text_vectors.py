"""Cached BERT sentence vectors for features: "" (no text) becomes a zero row, not a vector.

The encoder embeds "" as a fixed unit vector ("[CLS] [SEP]"); features need "unknown" to be
distinguishable, so it is zeros here, and the in-graph path (model.layers.text_pieces) agrees.

Usage:
    vectors = TextVectors(TextEmbeddingCache(".cache/text", max_length=64))
    vectors = text_vectors_for(config)    # the cache and encoder a TrainConfig names
    vectors(["red wool scarf", ""])      # [2, 384]; the second row is zeros
"""
import numpy as np


class TextVectors:
    def __init__(self, cache):
        self.cache = cache
        self._dim = None

    @property
    def dim(self):
        if self._dim is None:
            self._dim = int(self.cache.embed([""], progress=False).shape[1])
        return self._dim

    def __call__(self, texts):
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        known = [i for i, t in enumerate(texts) if t.strip()]
        if known:
            distinct = list(dict.fromkeys(texts[i] for i in known))
            vectors = self.cache.embed(distinct, progress=len(distinct) > 256)
            row = {t: i for i, t in enumerate(distinct)}
            out[known] = vectors[[row[texts[i]] for i in known]]
        return out


def text_vectors_for(config):
    """TextVectors over the cache of the encoder that `config` (a TrainConfig) names."""
    from model.text.cache import TextEmbeddingCache

    return TextVectors(TextEmbeddingCache(config.text_cache_dir,
                                          weights=config.text_weights or None,
                                          max_length=config.text_max_length))
