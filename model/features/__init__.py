"""Features of the profile model, computed with pandas/NumPy from the canonical tables.

Everything here is adapted on the train split and stored with the run (`FeatureSpace`); the
Keras model holds the same vocabularies and tables, so serving needs only raw ids and text.

Modules:
  categories      category strings ("A > B", "Action|Comedy") -> tokens and top-level names
  catalogue       item tables: category tokens, category distribution, text vector, price
  user_text       a user's own text pieces (bio, reviews, queries) and their as-of averages
  behavior_log    train events queryable as of any moment: history sequence, counts, recency
  social_graph    friend lists over the user vocabulary
  random_walks    DeepWalk walks and skip-gram pairs over the friend graph
  graph_embedding DeepWalk graph embeddings trained in TensorFlow
  feature_space   FeatureSpace: vocabularies, tables and adapted statistics; save / load
  examples        TrainingExamples: one per (user, first touch of an item) and per search
  requests        request DataFrames (persona.contract names) -> model inputs
"""
