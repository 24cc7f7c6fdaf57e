"""Fine-tuning the text encoder's top transformer layers with their own optimizer.

A pretrained transformer needs a small learning rate with warmup (AdamW, as BERT was trained);
the towers around it train with the driver's optimizer (e.g. Adagrad 0.1, which destroys the
encoder when applied to it). `TopLayerFineTuning` routes the text encoder's gradients to its own
AdamW and hands the rest back. The layers below stay frozen and run with training=False
(TextEncoder(trainable_layers=N) does that).

Usage:
    text = TextEncoder(max_length=64, trainable_layers=2)
    tuning = TopLayerFineTuning(text, train_steps=5000)      # lr 2e-5, warmup 10% of steps
    ...                                                       # inside the train step:
    grads = tape.gradient(loss, model.trainable_variables)
    rest = tuning.apply_gradients(zip(grads, model.trainable_variables))
    optimizer.apply_gradients(rest)
"""
from official.nlp import optimization


class TopLayerFineTuning:
    """AdamW (weight decay 0.01, not on LayerNorm or biases) with linear warmup and decay.

    Args:
      text_encoder: a TextEncoder built with trainable_layers >= 1.
      train_steps: steps of the whole run (the learning rate decays linearly to 0 over them).
      learning_rate: peak learning rate, reached after `warmup_steps` (default: 10% of steps).
    """

    def __init__(self, text_encoder, train_steps, learning_rate=2e-5, warmup_steps=None):
        if not text_encoder.trainable_layers:
            raise ValueError("the text encoder has no trainable layers: build it with "
                             "TextEncoder(trainable_layers=N), N >= 1")
        self.variables = list(text_encoder.trainable_weights)
        self._owned = {v.ref() for v in self.variables}
        if warmup_steps is None:
            warmup_steps = max(1, train_steps // 10)
        self.optimizer = optimization.create_optimizer(
            init_lr=learning_rate, num_train_steps=train_steps, num_warmup_steps=warmup_steps,
            optimizer_type="adamw")

    def apply_gradients(self, grads_and_vars):
        """Applies the text encoder's gradients; returns the other (gradient, variable) pairs."""
        mine, rest = [], []
        for grad, var in grads_and_vars:
            (mine if var.ref() in self._owned else rest).append((grad, var))
        self.optimizer.apply_gradients([(g, v) for g, v in mine if g is not None])
        return rest
