"""Text modality: pretrained BERT (all-MiniLM-L6-v2) in Model Garden's BertEncoderV2.

Modules (TensorFlow loads only when one of them is used):
  weights     safetensors <-> BertEncoderV2 name mapping, weights version, save/load
  tokenizer   BertInputTokenizer: raw strings -> BERT inputs, in the graph (TF Text)
  encoder     TextEncoder: Keras layer, raw strings -> [B, 384] unit sentence embeddings
  embedder    TextEmbedder / load_text_encoder: NumPy front end for batch jobs
  cache       TextEmbeddingCache: on-disk embeddings per (weights version, max length, text)
  finetune    TopLayerFineTuning: train the top N layers with their own AdamW + warmup
  pretrain    `persona pretrain`: masked-LM domain pretraining

Usage:
    from model.text import load_text_encoder
    enc = load_text_encoder(max_length=64)
    enc(["some text", ""])          # np.ndarray [2, 384] float32, L2-normalized rows
"""
import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)


def load_text_encoder(max_length=64, weights=None, batch_size=32):
    """The frozen text encoder as a NumPy callable (see model.text.embedder.TextEmbedder).

    `weights`: a weights directory (e.g. `persona pretrain --out`); None: packaged MiniLM.
    The empty string maps to the "[CLS] [SEP]" embedding, a fixed unit vector.
    """
    from model.text.embedder import load_text_encoder as load
    return load(max_length=max_length, weights=weights, batch_size=batch_size)


__all__ = ["load_text_encoder"]
