"""`make bench-serving`: what gRPC serving costs over calling the signature in-process.

In one run, on one exported model (by default the tiny test model, built on the fly; or
--model-base DIR with a real export):
  1. latency p50/p99 at batch 1: the signature called in-process vs. Predict over gRPC
     (`persona serve` in its own process, batching off);
  2. throughput (rows/s) with 1, 8 and 32 concurrent clients sending batch-1 requests, with and
     without dynamic batching (serving/config/batching_parameters.txt), vs. the in-process
     signature at batch 32;
  3. publishing a new version while 8 clients send requests: failed requests must be zero.
Targets (issue 5): gRPC p50 <= 1.15x in-process; 32 clients with batching >= 0.7x in-process
batch-32 rows/s; zero failed requests during a publish.

Usage:
    .venv/bin/python -m bench.serving [--model-base DIR --name persona] [--seconds 3]
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
from persona import contract

CONCURRENCY = (1, 8, 32)
TARGETS = {"latency_ratio": 1.15, "throughput_ratio": 0.7}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-base", help="model base path (default: a tiny model in a "
                        "temporary directory)")
    parser.add_argument("--name", default=contract.MODEL_NAME)
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput point")
    parser.add_argument("--requests", type=int, default=300, help="per latency measurement")
    parser.add_argument("--json", help="also write the results here")
    return parser.parse_args(argv)


def tiny_model_base(directory):
    from export.savedmodel import export_saved_model
    from export.tiny_model import TinyRecommender

    items = [f"i{n}" for n in range(1000)]
    export_saved_model(TinyRecommender(items, [f"u{n}" for n in range(1000)], k=100, dim=64),
                       directory)
    return directory


def one_user():
    from serving.client import UserFeatures, user_inputs

    return user_inputs([UserFeatures(
        user_id="u1", text="comfortable waterproof trail running shoes with good grip " * 2,
        history=tuple(f"i{n}" for n in range(10)), friends=("u2", "u3", "u4"),
        query="running shoes")])


def percentiles(seconds):
    import numpy as np

    ms = np.array(seconds) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def in_process(path, requests, seconds):
    """Latency at batch 1 and rows/s at batch 32 of the signature, called directly."""
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    function = tf.saved_model.load(path).signatures[contract.SIGNATURE_RECOMMEND]
    one = {k: tf.constant(v) for k, v in one_user().items()}
    batch = {k: tf.constant(np.repeat(v, 32, axis=0)) for k, v in one_user().items()}

    def call(feeds):
        return {k: v.numpy() for k, v in function(**feeds).items()}
    for _ in range(20):
        call(one), call(batch)
    latencies = []
    for _ in range(requests):
        start = time.perf_counter()
        call(one)
        latencies.append(time.perf_counter() - start)
    rows, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call(batch)
        rows += 32
    return percentiles(latencies), rows / (time.perf_counter() - start)


class ServerProcess:
    """`persona serve` in a subprocess on a free 127.0.0.1 port."""

    def __init__(self, model_base, name, batching):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        command = [sys.executable, "-m", "persona", "serve", "--model-base", model_base,
                   "--name", name, "--host", "127.0.0.1", "--port", str(self.port),
                   "--file-system-poll-wait-seconds", "0.2"]
        if not batching:
            command.append("--no-enable-batching")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.target = f"127.0.0.1:{self.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)


def predict_request(name):
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    for alias, value in one_user().items():
        request.inputs[alias].CopyFrom(tf.make_tensor_proto(value))
    return request


def grpc_stub(target):
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=300)
    return channel, prediction_service_pb2_grpc.PredictionServiceStub(channel)


def grpc_latency(stub, request, requests):
    for _ in range(20):
        stub.Predict(request, timeout=60, wait_for_ready=True)
    latencies = []
    for _ in range(requests):
        start = time.perf_counter()
        stub.Predict(request, timeout=60)
        latencies.append(time.perf_counter() - start)
    return percentiles(latencies)


def grpc_throughput(stub, request, clients, seconds):
    """rows/s of `clients` threads each sending batch-1 requests back to back."""
    stop = time.perf_counter() + seconds

    def client():
        count = 0
        while time.perf_counter() < stop:
            stub.Predict(request, timeout=60)
            count += 1
        return count
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(lambda _: client(), range(clients)))
    return total / (time.perf_counter() - start)


def publish_under_load(stub, request, model_dir, clients=8):
    """Publish a copy of the newest version as a new one while clients keep asking."""
    import grpc

    versions = sorted(int(v) for v in os.listdir(model_dir) if v.isdigit())
    new = versions[-1] + 1
    failures, answered, sent, stop = [], set(), [0], threading.Event()

    def client():
        while not stop.is_set():
            try:
                response = stub.Predict(request, timeout=60)
                answered.add(response.model_spec.version.value)
            except grpc.RpcError as e:
                failures.append(f"{e.code().name}: {e.details()}")
            sent[0] += 1
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    staging = os.path.join(model_dir, f".export-{new}")
    shutil.copytree(os.path.join(model_dir, str(versions[-1])), staging)
    os.rename(staging, os.path.join(model_dir, str(new)))  # what the exporter does
    deadline = time.monotonic() + 300
    while new not in answered and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    return {"requests": sent[0], "failed": len(failures), "new_version_served": new in answered,
            "errors": sorted(set(failures))[:5]}


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as work:
        if args.model_base:
            source = os.path.join(args.model_base, args.name)
            latest = max(int(v) for v in os.listdir(source) if v.isdigit())
            shutil.copytree(os.path.join(source, str(latest)),
                            os.path.join(work, args.name, str(latest)))  # publish a copy
        else:
            print("building the tiny model (1000 items, K=100) ...", flush=True)
            tiny_model_base(work)
        model_dir = os.path.join(work, args.name)
        path = os.path.join(model_dir, max(os.listdir(model_dir), key=int))
        request = predict_request(args.name)
        results = {"model": path if args.model_base is None else source}

        print("in-process ...", flush=True)
        latency, batch32 = in_process(path, args.requests, args.seconds)
        results["in_process"] = dict(latency, batch32_rows_per_s=batch32)
        for batching in (False, True):
            mode = "batching" if batching else "no_batching"
            print(f"gRPC, {mode.replace('_', ' ')} ...", flush=True)
            with ServerProcess(work, args.name, batching) as server:
                channel, stub = grpc_stub(server.target)
                entry = {"latency": grpc_latency(stub, request, args.requests)}
                entry["rows_per_s"] = {c: grpc_throughput(stub, request, c, args.seconds)
                                       for c in CONCURRENCY}
                if batching:
                    print("publishing a new version under load ...", flush=True)
                    results["publish"] = publish_under_load(stub, request, model_dir)
                channel.close()
            results[mode] = entry
    report(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


def report(results):
    local, plain, batched = results["in_process"], results["no_batching"], results["batching"]
    ratio = plain["latency"]["p50_ms"] / local["p50_ms"]
    throughput = batched["rows_per_s"][32] / local["batch32_rows_per_s"]
    publish = results["publish"]
    lines = [
        f"model: {results['model']}",
        "",
        "latency at batch 1          p50 ms    p99 ms",
        f"  in-process              {local['p50_ms']:8.2f}  {local['p99_ms']:8.2f}",
        f"  gRPC                    {plain['latency']['p50_ms']:8.2f}  "
        f"{plain['latency']['p99_ms']:8.2f}",
        f"  gRPC, batching on       {batched['latency']['p50_ms']:8.2f}  "
        f"{batched['latency']['p99_ms']:8.2f}",
        "",
        "throughput (rows/s)     " + "".join(f"{c:>4} clients" for c in CONCURRENCY),
        "  gRPC                  " + "".join(f"{plain['rows_per_s'][c]:>12.0f}"
                                           for c in CONCURRENCY),
        "  gRPC, batching on     " + "".join(f"{batched['rows_per_s'][c]:>12.0f}"
                                           for c in CONCURRENCY),
        f"  in-process, batch 32  {local['batch32_rows_per_s']:>12.0f}",
        "",
        f"publish under load: {publish['requests']} requests, {publish['failed']} failed, "
        f"new version served: {publish['new_version_served']}",
        "",
        "targets:",
        f"  gRPC p50 / in-process p50 = {ratio:.2f}  (<= {TARGETS['latency_ratio']}) "
        f"{'PASS' if ratio <= TARGETS['latency_ratio'] else 'MISS'}",
        f"  32 clients batching / in-process batch 32 = {throughput:.2f}  "
        f"(>= {TARGETS['throughput_ratio']}) "
        f"{'PASS' if throughput >= TARGETS['throughput_ratio'] else 'MISS'}",
        f"  failed requests during publish = {publish['failed']}  (0) "
        f"{'PASS' if publish['failed'] == 0 and publish['new_version_served'] else 'MISS'}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
