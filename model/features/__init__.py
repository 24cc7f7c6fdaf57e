"""Features of the profile model, computed with pandas/NumPy from the canonical tables.

Everything here is adapted on the train split and stored with the run (`FeatureSpace`); the
Keras model holds the same vocabularies and tables, so serving needs only raw ids and text.

Modules:
  categories       category strings ("A > B", "Action|Comedy") -> tokens and top-level names
  catalogue        item tables: category tokens, category distribution, text vector, price
  text_vectors     TextVectors: cached BERT sentence vectors, zeros for "" (no text)
  user_text        a user's own text pieces (bio, reviews, queries) and their as-of averages
  behavior_log     train events queryable as of any moment: history, counts, recency
  social_graph     friend lists and edges over the user vocabulary
  random_walks     DeepWalk walks and skip-gram pairs over the friend graph
  graph_embedding  DeepWalk graph embeddings trained in TensorFlow
  preprocessing    Keras StringLookup / Normalization / Discretization adapted on train
  feature_space    FeatureSpace: vocabularies, tables and adapted statistics; save / load
  examples         TrainingExamples (one per first touch and per search) and FeatureSpace
  requests         request DataFrames (persona.contract names) -> model inputs
"""
