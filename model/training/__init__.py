"""Training driver of the profile model (kept apart from the modeling library).

  config          TrainConfig: defaults < JSON/YAML file < flags
  pipeline        tf.data input pipelines from TrainingExamples
  distribute      tf.distribute strategy and mixed precision, chosen from the hardware
  validation_recall  ValidationRecall callback: full-catalogue recall, fusion-weight histograms
  epoch_checkpoint   EpochCheckpoint callback: checkpoint each epoch, early stopping, resume
  projector       TensorBoard embedding projector: profiles by segment, items by category
  model_io        build / save / load the trained model of a run directory
  trainer         train(): the whole run, used by `persona train` and by benchmarks
  train           the `persona train` command
  recommender     load_recommender(run_dir): the trained model behind a NumPy API
  serving_module  build_serving_module(run_dir): the tf.Module with the contract signatures
"""
