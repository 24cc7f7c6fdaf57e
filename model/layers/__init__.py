"""Keras layers of the profile model (the bottom of layers -> towers -> models).

  frozen_table           FrozenTable: a constant table saved with the model, codes -> rows
  masked_ops             masked_mean: averages over the valid positions only
  masked_attention_pooling  MaskedAttentionPooling: [B, L, D] + mask -> [B, D]
  transformer_block      TransformerBlock: self-attention + feed-forward over a masked sequence
  history_encoder        HistoryEncoder: recency positions, transformer blocks, attention pooling
  modality_fusion        ModalityFusion: gated per-user modality weights with modality dropout
  catalogue              Catalogue: item ids -> stored item features
  item_embedding         ItemEmbedding: id + category + price bucket, shared by both towers
  user_state             UserState: user ids -> id embedding and per-user tables
  text_pieces            TextPiecesEncoder: a raw user text -> mean vector of its pieces (BERT)
"""
