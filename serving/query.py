"""`persona query`: ask a running server (TF Serving or `persona serve`) about one user.

Prints the recommendations as a table (with titles from --items, or from the answering
version's assets.extra/items.csv under --model-base), then the user's profile: segment and
modality weights.

Usage:
    persona query --target localhost:8500 --user-id u1 --history i3,i7 --text "trail shoes"
    persona query --target localhost:8500 --user-id u1 --items data/items.csv --k 5
"""
import os


def _ids(text):
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def add_arguments(parser):
    parser.add_argument("--target", required=True, help="server address HOST:PORT")
    parser.add_argument("--name", default="persona", help="model name (default: persona)")
    parser.add_argument("--user-id", required=True, help='user id ("" for an anonymous user)')
    parser.add_argument("--text", default="", help="text the user wrote (review, bio)")
    parser.add_argument("--history", default="", help="item ids, comma separated, recent last")
    parser.add_argument("--friends", default="", help="user ids, comma separated")
    parser.add_argument("--query", default="", help="search query")
    parser.add_argument("--k", type=int, default=10, help="recommendations to show (10)")
    parser.add_argument("--items", help="items.csv with item_id,title for the titles")
    parser.add_argument("--model-base", help="model base path: titles from the answering "
                        "version's assets.extra/items.csv")
    version = parser.add_mutually_exclusive_group()
    version.add_argument("--version", type=int, help="ask this version (default: latest)")
    version.add_argument("--label", help="ask the version with this label (stable, canary)")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds (10)")


def item_titles(items_csv):
    """{item_id: title} from a canonical items.csv ({} when it has no title column)."""
    import pandas as pd

    from persona.errors import PersonaError

    try:
        items = pd.read_csv(items_csv, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise PersonaError(f"cannot read {items_csv}: {e}") from None
    if "item_id" not in items or "title" not in items:
        return {}
    return dict(zip(items["item_id"], items["title"]))


def format_report(user_id, recommendations, profile, titles, k, target, name):
    """The text `persona query` prints."""
    import pandas as pd

    table = pd.DataFrame({
        "rank": range(1, len(recommendations.item_ids[:k]) + 1),
        "item_id": recommendations.item_ids[:k],
        "score": [f"{s:.4f}" for s in recommendations.scores[:k]],
    })
    if titles:
        table["title"] = [titles.get(i, "") for i in table["item_id"]]
    weights = "  ".join(f"{m} {w:.2f}" for m, w in profile.modality_weights.items())
    return "\n".join([
        f"{name} version {recommendations.model_version} at {target}, user {user_id!r}",
        table.to_string(index=False) if len(table) else "(no recommendations)",
        "",
        f"profile: segment {profile.segment}; modality weights: {weights}",
    ])


def run(args):
    import grpc

    from persona import contract
    from persona.errors import PersonaError
    from serving.client import PersonaClient, UserFeatures

    user = UserFeatures(user_id=args.user_id, text=args.text, history=_ids(args.history),
                        friends=_ids(args.friends), query=args.query)
    try:
        with PersonaClient(args.target, args.name, version=args.version, label=args.label,
                           timeout=args.timeout) as client:
            [recommendations] = client.recommend([user])
            [profile] = client.profile([user])
    except grpc.RpcError as e:
        raise PersonaError(f"{args.target}: {e.code().name}: {e.details()}") from None
    titles = {}
    if args.items:
        titles = item_titles(args.items)
    elif args.model_base:
        path = os.path.join(args.model_base, args.name, str(recommendations.model_version),
                            contract.ITEMS_FILE)
        titles = item_titles(path) if os.path.exists(path) else {}
    print(format_report(args.user_id, recommendations, profile, titles, args.k, args.target,
                        args.name))
    return 0
