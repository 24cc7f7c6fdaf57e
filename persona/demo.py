"""`persona demo`: the whole product end to end on the embedded default (a synthetic shop).

Data -> train -> evaluate -> export -> serve over the TF Serving gRPC API -> query for a warm user,
a cold-start user with only a review and a cold-start user with only friends -> stop.
Each step is the same CLI command a user would type, so the demo exercises the real contracts.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pandas as pd

from persona import cli
from persona.errors import PersonaError

DEFAULT_RUN = "runs/demo"


def add_arguments(parser):
    parser.add_argument("--dataset", default="synthetic",
                        help="'synthetic' (default), 'movielens-100k', or a canonical dataset dir")
    parser.add_argument("--out", default=DEFAULT_RUN, metavar="RUN_DIR")
    parser.add_argument("--users", type=int, default=3000, help="synthetic shop size")
    parser.add_argument("--items", type=int, default=1000, help="synthetic shop size")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--port", type=int, default=0, help="gRPC port (0: a free one)")


def step(title):
    print(f"\n==> {title}", flush=True)


def run_command(*argv):
    """Runs one `persona` command in this process; a failure stops the demo with its message."""
    print("$ persona " + " ".join(argv), flush=True)
    rc = cli.main(list(argv))
    if rc:
        raise PersonaError(f"'persona {' '.join(argv)}' failed (exit {rc})")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_data(args, run):
    if args.dataset == "synthetic":
        data = os.path.join(run, "data")
        run_command("data", "synth", "--out", data, "--users", str(args.users),
                "--items", str(args.items), "--seed", "0")
    elif args.dataset == "movielens-100k":
        data = os.path.join(run, "data")
        run_command("data", "fetch", "movielens-100k", "--out", data)
    else:
        data = args.dataset
        run_command("data", "validate", data, "--quarantine", os.path.join(run, "quarantine.csv"))
    return data


def demo_users(data, run):
    """A warm user, a cold-start user with a review, and a cold-start user with friends
    (each cold-start kind only where the dataset has one)."""
    from model.data import load_dataset
    from model.data.splits import read_splits

    ds = load_dataset(data)
    splits = read_splits(run)
    warm_user = splits.test.user_id.iloc[0]
    warm_history = (pd.concat([splits.train, splits.validation])
                    .query("user_id == @warm_user").sort_values("timestamp")
                    .drop_duplicates("item_id", keep="last").item_id.tolist()[-20:])
    users = [("warm user (behavior history)",
              ["--user-id", warm_user, "--history", ",".join(warm_history)])]
    cold = splits.cold[splits.cold.user_id.isin(splits.cold_start_users)]
    reviews = cold[cold.text.str.len() > 0]
    text_user = reviews.user_id.iloc[0] if len(reviews) else None
    if text_user is None:
        print("(this dataset has no cold-start user with a review: none queried)")
    else:
        users.append(("cold-start user with only a review",
                      ["--user-id", text_user, "--text", reviews.text.iloc[0]]))
    social = pd.concat([ds.social[["user_id", "friend_id"]],
                        ds.social[["friend_id", "user_id"]].set_axis(["user_id", "friend_id"], axis=1)])
    cold_social = social[social.user_id.isin(splits.cold_start_users) & (social.user_id != text_user)]
    if cold_social.empty:
        print("(this dataset has no cold-start user with friends: none queried)")
    else:
        friends_user = cold_social.user_id.iloc[0]
        friends = cold_social[cold_social.user_id == friends_user].friend_id.tolist()[:20]
        users.append(("cold-start user with only friends",
                      ["--user-id", friends_user, "--friends", ",".join(friends)]))
    return users


def wait_for_server(target, proc, timeout=300):
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise PersonaError(f"the server exited with code {proc.returncode}")
        try:
            with grpc.insecure_channel(target) as ch:
                r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=2)
                if r.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except grpc.RpcError:
            pass
        time.sleep(1)
    raise PersonaError(f"the server did not become ready on {target} within {timeout}s")


def run(args):
    started = time.time()
    run_dir = args.out
    os.makedirs(run_dir, exist_ok=True)
    step("1/6 data")
    data = prepare_data(args, run_dir)
    step("2/6 train (TensorBoard logs under %s/logs)" % run_dir)
    # The demo trains from scratch every time: a run left by an earlier demo would resume
    # (nothing to do, or weights of another version of the model).
    shutil.rmtree(os.path.join(run_dir, "checkpoints"), ignore_errors=True)
    train = ["train", "--data", data, "--out", run_dir]
    if args.epochs:
        train += ["--epochs", str(args.epochs)]
    run_command(*train)
    step("3/6 evaluate: full-catalogue ranking against the baselines")
    report = os.path.join(run_dir, "evaluation.json")
    run_command("evaluate", "--run", run_dir, "--data", data, "--k", "10,20,100", "--json", report)
    step("4/6 export a versioned SavedModel")
    model_base = os.path.join(run_dir, "models")
    run_command("export", "--run", run_dir, "--model-base", model_base, "--name", "persona")
    step("5/6 serve it over the TF Serving gRPC API")
    port = args.port or free_port()
    target = f"127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "persona", "serve", "--model-base", model_base,
                               "--name", "persona", "--host", "127.0.0.1",
                               "--port", str(port)])
    try:
        wait_for_server(target, server)
        print(f"serving on {target}", flush=True)
        step("6/6 query it for three kinds of users")
        items_csv = os.path.join(data, "items.csv")
        for title, user_args in demo_users(data, run_dir):
            print(f"\n--- {title}")
            run_command("query", "--target", target, "--name", "persona", *user_args, "--k", "5",
                    *(["--items", items_csv] if os.path.exists(items_csv) else []))
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"\nDone in {time.time() - started:.0f}s. Left in {os.path.abspath(run_dir)}:")
    print(f"  evaluation report: {report} (and .md)")
    print(f"  exported model:    {model_base}/persona/<version>/")
    print(f"  TensorBoard:       {sys.executable} -m tensorboard.main --logdir {run_dir}/logs")
    with open(report) as f:
        warm = json.load(f)["cohorts"].get("warm", {})
    if warm:
        print("  warm-user Recall@10: " + ", ".join(
            f"{name} {m.get('recall@10', float('nan')):.3f}" for name, m in warm.items()))
