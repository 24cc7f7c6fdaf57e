"""Masked-LM pretraining of the text encoder: Model Garden's BertPretrainerV2 + TF Text masking.

BertPretrainerV2 puts a layers.MaskedLM head (output embedding tied to the encoder's) on the
BertEncoderV2 of a weights directory; TF Text's dynamic masking picks 15% of wordpieces (80%
[MASK], 10% random, 10% kept). all-MiniLM-L6-v2 has no MLM head, so the head starts untrained
(a weights directory written by `save` restores it).

Usage (`persona pretrain` drives it, see model.text.pretrain):
    mlm = MaskedLMPretraining(init=None, max_length=64, steps=500)
    heldout = mlm.heldout_batches(heldout_texts)
    mlm.evaluate(heldout)                          # (loss, accuracy) on fixed masks
    for loss, accuracy in mlm.train(train_texts): ...
    mlm.save("runs/pretrain")
"""
import numpy as np
import tensorflow as tf
import tensorflow_text as text
import tf_keras
from official.nlp import optimization
from official.nlp.modeling import models

from model.text import weights as weights_lib
from model.text.encoder import mean_pool
from model.text.tokenizer import BertInputTokenizer


class MaskedLMPretraining:
    """Trains encoder + MLM head, each with its own AdamW (warmup, then linear decay).

    The head gets a much larger learning rate than the encoder: it starts untrained, and while
    it is random its gradients only push the pretrained encoder around.

    Args:
      init: weights directory to start from (None: the packaged all-MiniLM-L6-v2).
      max_length: wordpieces per text including [CLS] and [SEP].
      learning_rate: the encoder's peak learning rate; head_learning_rate: the head's.
      steps, batch_size, warmup_steps (default 10% of steps), mask_rate, seed.
    """

    def __init__(self, init=None, max_length=64, steps=500, batch_size=32, learning_rate=2e-5,
                 head_learning_rate=1e-3, warmup_steps=None, mask_rate=0.15, seed=0):
        self.max_length, self.steps, self.batch_size = max_length, steps, batch_size
        self.mask_rate, self.seed = mask_rate, seed
        tf.random.set_seed(seed)
        self.pretrained = weights_lib.load_pretrained(init)
        config = self.pretrained.config
        self.tokenizer = BertInputTokenizer(self.pretrained.vocab_file, max_length)
        self.encoder = weights_lib.build_bert_encoder(config)
        weights_lib.assign_encoder_weights(self.encoder, self.pretrained.tensors, config,
                                           source=self.pretrained.directory)
        # The pooler has no part in masked LM, nor in mean-pooled sentence embeddings.
        self.encoder.pooler_layer.trainable = False
        self.pretrainer = models.BertPretrainerV2(
            encoder_network=self.encoder,
            mlm_activation=tf_keras.activations.gelu,  # exact GELU, as Hugging Face BERT
            mlm_initializer=tf_keras.initializers.TruncatedNormal(
                stddev=config["initializer_range"]))
        self.max_predictions = max(1, round(max_length * mask_rate))
        self.pretrainer(self._mask(tf.constant(["build the head"]))[0])
        self.head_restored = weights_lib.has_mlm_head(self.pretrained.tensors)
        if self.head_restored:
            weights_lib.assign_mlm_head_weights(self.pretrainer.masked_lm, self.pretrained.tensors,
                                                config, source=self.pretrained.directory)
        warmup_steps = warmup_steps if warmup_steps is not None else max(1, steps // 10)
        self.optimizer, self.head_optimizer = (
            optimization.create_optimizer(init_lr=lr, num_train_steps=steps,
                                          num_warmup_steps=warmup_steps, optimizer_type="adamw")
            for lr in (learning_rate, head_learning_rate))
        tied = id(self.pretrainer.masked_lm.embedding_table)
        self.head_variables = [v for v in self.pretrainer.masked_lm.trainable_variables
                               if id(v) != tied]
        self.encoder_variables = self.encoder.trainable_variables

    def _mask(self, texts):
        """[B] strings -> (BertPretrainerV2 inputs, target ids [B, P], target weights [B, P])."""
        ids = self.tokenizer.special_ids
        pieces = self.tokenizer.tokenize(texts)[:, :self.max_length - 2]
        segments, type_ids = text.combine_segments(
            [pieces], start_of_sequence_id=ids["[CLS]"], end_of_segment_id=ids["[SEP]"])
        selector = text.RandomItemSelector(
            max_selections_per_batch=self.max_predictions, selection_rate=self.mask_rate,
            unselectable_ids=[ids["[CLS]"], ids["[SEP]"], ids["[PAD]"], ids["[UNK]"]])
        chooser = text.MaskValuesChooser(len(self.pretrained.vocab), ids["[MASK]"],
                                         mask_token_rate=0.8, random_token_rate=0.1)
        masked, positions, targets = text.mask_language_model(segments, selector, chooser)
        word_ids, input_mask = text.pad_model_inputs(masked, self.max_length)
        type_ids, _ = text.pad_model_inputs(type_ids, self.max_length)
        positions, weights = text.pad_model_inputs(positions, self.max_predictions)
        targets, _ = text.pad_model_inputs(targets, self.max_predictions)
        features = dict(input_word_ids=word_ids, input_mask=input_mask,
                        input_type_ids=tf.cast(type_ids, tf.int32),
                        masked_lm_positions=tf.cast(positions, tf.int32))
        return features, targets, tf.cast(weights, tf.float32)

    def _batches(self, texts, repeat):
        ds = tf.data.Dataset.from_tensor_slices(texts)
        if repeat:
            ds = ds.shuffle(len(texts), seed=self.seed).repeat()
        ds = ds.batch(self.batch_size, drop_remainder=repeat)
        return ds.map(self._mask, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)

    def _losses(self, features, targets, weights, training):
        """Summed masked-token cross-entropy, correct predictions and masked-token count."""
        logits = self.pretrainer(features, training=training)["mlm_logits"]
        xent = tf_keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=targets.dtype), targets),
                          tf.float32)
        return (tf.reduce_sum(xent * weights), tf.reduce_sum(correct * weights),
                tf.reduce_sum(weights))

    @tf.function
    def _train_step(self, features, targets, weights):
        with tf.GradientTape() as tape:
            loss_sum, correct, count = self._losses(features, targets, weights, training=True)
            loss = loss_sum / tf.maximum(count, 1.0)
        head, encoder = self.head_variables, self.encoder_variables
        grads = tape.gradient(loss, head + encoder)
        self.head_optimizer.apply_gradients(zip(grads[:len(head)], head))
        self.optimizer.apply_gradients(zip(grads[len(head):], encoder))
        return loss, correct / tf.maximum(count, 1.0)

    @tf.function
    def _eval_step(self, features, targets, weights):
        return self._losses(features, targets, weights, training=False)

    @tf.function
    def _sentence_vectors(self, texts):
        inputs = self.tokenizer(texts)
        return mean_pool(self.encoder(inputs, training=False)["sequence_output"],
                         inputs["input_mask"])

    def heldout_batches(self, texts):
        """Masked batches drawn once, so every evaluation scores the same tokens."""
        return list(self._batches(texts, repeat=False))

    def evaluate(self, batches):
        """(MLM loss, MLM accuracy) over every masked token of `batches`."""
        totals = np.zeros(3)
        for features, targets, weights in batches:
            totals += [float(v) for v in self._eval_step(features, targets, weights)]
        return totals[0] / max(totals[2], 1.0), totals[1] / max(totals[2], 1.0)

    def train(self, texts):
        """Yields (loss, accuracy) of each of the `steps` training steps on shuffled `texts`."""
        batches = iter(self._batches(texts, repeat=True))
        for _ in range(self.steps):
            yield tuple(float(v) for v in self._train_step(*next(batches)))

    def learning_rate(self, step):
        return float(self.optimizer.learning_rate(step))

    def sentence_vectors(self, texts):
        """The encoder's current sentence embeddings (mean pooling, L2 norm), [n, hidden]."""
        return np.concatenate([self._sentence_vectors(tf.constant(texts[i:i + 64])).numpy()
                               for i in range(0, len(texts), 64)])

    def save(self, directory):
        """Writes a weights directory (encoder + MLM head) that TextEncoder can load."""
        weights_lib.save_pretrained(directory, self.encoder, self.pretrained.config,
                                    self.pretrained.vocab_file, masked_lm=self.pretrainer.masked_lm)
        return weights_lib.weights_version(directory)
