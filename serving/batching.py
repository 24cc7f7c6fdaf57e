"""Dynamic batching of concurrent requests, with TF Serving's batching session semantics.

Requests for one signature of one model version queue up; a batch thread takes them in order
until the batch holds `max_batch_size` rows or `batch_timeout_micros` has passed since its first
request, runs the signature once on the concatenated inputs and hands each request its rows.
Like TF Serving (tensorflow_serving/batching/batching_session.cc and batching_util.cc):
- a request larger than `max_batch_size` is refused (INVALID_ARGUMENT), a full queue answers
  UNAVAILABLE (clients retry);
- 2-D inputs of different widths are padded when `pad_variable_length_inputs` is set, with the
  first element of each request's tensor (TF Serving's choice: a client that puts "" first gets
  "" padding), and an empty tensor cannot be padded;
- `allowed_batch_sizes` rounds a batch up by repeating its first row.
A batcher that is closed (its model version unloaded) still finishes what it queued; requests
arriving after that run unbatched, so unloading never fails a request.

Usage:
    batcher = Batcher(run, BatchingOptions.from_proto(params), tensor_names)
    outputs = batcher.submit({"user_id": np.array([b"u1"], object), ...})
    batcher.close()
"""
import collections
import dataclasses
import os
import threading
import time
from concurrent.futures import Future

import grpc
import numpy as np

from serving.errors import ServingError, invalid_argument


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """BatchingParameters with TF Serving's defaults for fields a file leaves out."""

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = os.cpu_count() or 1
    allowed_batch_sizes: tuple = ()
    pad_variable_length_inputs: bool = False

    @classmethod
    def from_proto(cls, params):
        """From a `serving.protos.BatchingParameters` message (unset wrappers keep defaults)."""
        values = {name: getattr(params, name).value for name in (
            "max_batch_size", "batch_timeout_micros", "max_enqueued_batches",
            "num_batch_threads") if params.HasField(name)}
        options = cls(**values, allowed_batch_sizes=tuple(params.allowed_batch_sizes),
                      pad_variable_length_inputs=params.pad_variable_length_inputs)
        sizes = options.allowed_batch_sizes
        if sizes and (list(sizes) != sorted(sizes) or sizes[-1] != options.max_batch_size):
            raise ValueError("allowed_batch_sizes must be increasing and end with max_batch_size")
        return options


@dataclasses.dataclass
class _Task:
    inputs: dict
    size: int
    enqueued: float
    future: Future = dataclasses.field(default_factory=Future)


class Batcher:
    """Batches `run(inputs) -> outputs` calls (dicts of numpy arrays, rows on axis 0)."""

    def __init__(self, run, options, tensor_names=None):
        self._run = run
        self._options = options
        self._tensor_names = tensor_names or {}  # input alias -> graph tensor name (messages)
        self._queue = collections.deque()
        self._queued_rows = 0
        self._closed = False
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._loop, daemon=True, name=f"batch-{i}")
                         for i in range(max(1, options.num_batch_threads))]
        for thread in self._threads:
            thread.start()

    def submit(self, inputs):
        """Run `inputs` as part of a batch; returns this request's outputs (or raises)."""
        size = len(next(iter(inputs.values())))
        limit = self._options.max_batch_size
        if size > limit:
            raise invalid_argument(
                f"Task size {size} is larger than maximum input batch size {limit}")
        with self._cond:
            if self._closed:
                task = None
            else:
                if self._queued_rows + size > self._options.max_enqueued_batches * limit:
                    raise ServingError(
                        grpc.StatusCode.UNAVAILABLE,
                        "The batch scheduling queue to which this task was submitted is full")
                task = _Task(inputs, size, time.monotonic())
                self._queue.append(task)
                self._queued_rows += size
                self._cond.notify_all()
        if task is None:  # unloaded meanwhile: answer without batching
            return self._run(inputs)
        return task.future.result()

    def close(self):
        """Stop taking requests; queued ones are still run. Returns once the threads end."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _next_batch(self):
        """Wait for a batch (full, timed out, or closing); None when closed and drained."""
        timeout = self._options.batch_timeout_micros / 1e6
        with self._cond:
            while True:
                if not self._queue:
                    if self._closed:
                        return None
                    self._cond.wait()
                    continue
                wait = self._queue[0].enqueued + timeout - time.monotonic()
                if self._queued_rows >= self._options.max_batch_size or wait <= 0 \
                        or self._closed:
                    break
                self._cond.wait(wait)
            batch, rows = [], 0
            while self._queue and rows + self._queue[0].size <= self._options.max_batch_size:
                task = self._queue.popleft()
                batch.append(task)
                rows += task.size
            self._queued_rows -= rows
            return batch

    def _loop(self):
        while (batch := self._next_batch()) is not None:
            try:
                results = self._process(batch)
            except Exception as e:  # noqa: BLE001 - every request of the batch gets the error
                for task in batch:
                    task.future.set_exception(e)
            else:
                for task, result in zip(batch, results):
                    task.future.set_result(result)

    def _process(self, batch):
        merged = {name: self._merge(name, [task.inputs[name] for task in batch])
                  for name in batch[0].inputs}
        rows = sum(task.size for task in batch)
        padded = next((s for s in self._options.allowed_batch_sizes if s >= rows), rows)
        if padded > rows:
            merged = {name: np.concatenate([value, np.repeat(value[:1], padded - rows, 0)])
                      for name, value in merged.items()}
        outputs = self._run(merged)
        for name, value in outputs.items():
            if value.ndim == 0 or value.shape[0] != padded:
                raise ServingError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"Batched output tensor's 0th dimension does not equal the sum of the 0th "
                    f"dimension sizes of the input tensors ({name})")
        results, start = [], 0
        for task in batch:
            results.append({name: value[start:start + task.size]
                            for name, value in outputs.items()})
            start += task.size
        return results

    def _merge(self, name, arrays):
        """Concatenate one input over the batch's requests, padding trailing dimensions."""
        target = np.max([a.shape for a in arrays], axis=0)
        if all(a.shape[1:] == tuple(target[1:]) for a in arrays):
            return np.concatenate(arrays)
        if not self._options.pad_variable_length_inputs:
            raise invalid_argument(
                f"Tensors with name '{self._tensor_names.get(name, name)}' from different tasks "
                "have different shapes and padding is turned off. Set "
                "pad_variable_length_inputs to true, or ensure that all tensors with the same "
                "name have equal dimensions starting with the first dim.")
        padded = []
        for a in arrays:
            widths = [(0, 0)] + [(0, int(t) - s) for s, t in zip(a.shape[1:], target[1:])]
            if a.size == 0 and any(w for _, w in widths):
                raise invalid_argument("Got empty tensor in batch of non-empty tensors.")
            padded.append(np.pad(a, widths, constant_values=a.flat[0]) if a.size else a)
        return np.concatenate(padded)
