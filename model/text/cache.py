"""TextEmbeddingCache: sentence embeddings of a frozen encoder, computed once, kept on disk.

Training never runs BERT on a text it has seen: vectors are keyed by (encoder version, text),
where the version covers weights, vocabulary, max length and pipeline code (TextEmbedder.version).
Each version has its own directory holding `embeddings.npy` (float32 [n, dim], memory-mapped)
and `keys.npy` (uint8 [n, 16]: the BLAKE2b digest of each row's text, in row order).

Usage:
    cache = TextEmbeddingCache(".cache/text", max_length=64)        # loads BERT only on a miss
    vectors = cache.embed(["red wool scarf", "", "red wool scarf"])  # np.ndarray [3, 384]
    TextEmbeddingCache(".cache/text", encoder=load_text_encoder())  # or share a loaded encoder
"""
import contextlib
import fcntl
import hashlib
import os

import numpy as np
from tqdm.auto import tqdm

from model.text import weights as weights_lib

EMBEDDINGS, KEYS = "embeddings.npy", "keys.npy"
KEY_BYTES = 16
FLUSH_ROWS = 8192  # each save rewrites the files: not too often, not too much work at risk


def text_key(text):
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


class TextEmbeddingCache:
    """Embeddings of distinct texts for one encoder version, stored under `directory/<version>/`.

    Args:
      directory: the cache root (one subdirectory per encoder version).
      encoder: a loaded TextEmbedder; or leave it None and give `weights` / `max_length`: the
        encoder is then loaded the first time a text is missing.
    Appends are serialized with a file lock; each file is replaced atomically (embeddings first,
    keys second, so keys never point past the embeddings).
    """

    def __init__(self, directory, encoder=None, weights=None, max_length=64, batch_size=32):
        self._encoder = encoder
        self._load_args = dict(weights=weights, max_length=max_length, batch_size=batch_size)
        self.version = encoder.version if encoder is not None else weights_lib.encoder_version(
            weights_lib.weights_version(weights), max_length)
        self.directory = os.path.join(directory, self.version)
        self.encoded = 0  # texts this instance ran through the encoder
        os.makedirs(self.directory, exist_ok=True)
        self._read()

    def __len__(self):
        return len(self._rows)

    def __contains__(self, text):
        return text_key(text) in self._rows

    @property
    def encoder(self):
        if self._encoder is None:
            from model.text.embedder import load_text_encoder
            self._encoder = load_text_encoder(**self._load_args)
        return self._encoder

    def embed(self, texts, progress=True):
        """list of str -> np.ndarray [len(texts), dim] float32; encodes only unseen texts."""
        texts = list(texts)
        if not texts:
            dim = self._embeddings.shape[1] if len(self._keys) else self.encoder.dim
            return np.empty((0, dim), np.float32)
        keys = [text_key(t) for t in texts]
        if any(k not in self._rows for k in keys):
            with self._lock():
                self._read()  # another process may have added some meanwhile
                new = {k: t for k, t in zip(keys, texts) if k not in self._rows}
                if new:
                    self._encode(list(new), list(new.values()), progress)
        return np.asarray(self._embeddings[[self._rows[k] for k in keys]], dtype=np.float32)

    def _encode(self, keys, texts, progress):
        """Encodes in batches, saving every FLUSH_ROWS vectors: an interrupted run keeps them."""
        pending, before = [], self.encoded
        with tqdm(total=len(texts), desc="text embeddings", unit="text",
                  disable=not progress) as bar:
            for vectors in self.encoder.iter_batches(texts):
                pending.append(vectors)
                self.encoded += len(vectors)
                bar.update(len(vectors))
                done = self.encoded - before
                if sum(map(len, pending)) >= FLUSH_ROWS or done == len(texts):
                    block = np.concatenate(pending)
                    self._append(keys[done - len(block):done], block)
                    pending = []

    def _read(self):
        path = os.path.join(self.directory, KEYS)
        keys = np.load(path) if os.path.exists(path) else np.empty((0, KEY_BYTES), np.uint8)
        self._keys = keys
        self._rows = {k.tobytes(): i for i, k in enumerate(keys)}
        self._embeddings = (np.load(os.path.join(self.directory, EMBEDDINGS), mmap_mode="r")
                            if len(keys) else np.empty((0, 0), np.float32))

    def _append(self, keys, vectors):
        n = len(self._keys)
        old = self._embeddings[:n] if n else np.empty((0, vectors.shape[1]), np.float32)
        self._replace(EMBEDDINGS, np.concatenate([old, vectors.astype(np.float32)]))
        new_keys = np.frombuffer(b"".join(keys), np.uint8).reshape(-1, KEY_BYTES)
        self._replace(KEYS, np.concatenate([self._keys, new_keys]))
        self._read()

    def _replace(self, name, array):
        tmp = os.path.join(self.directory, f".{name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, array)
        os.replace(tmp, os.path.join(self.directory, name))

    @contextlib.contextmanager
    def _lock(self):
        with open(os.path.join(self.directory, ".lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
