"""A synthetic shop with every modality, for the demo and tests (`persona data synth`).

Usage:
    from model.data.synth import synthesize
    summary = synthesize("data/synth", users=10000, items=2000, seed=0)   # ~200k events
    # or: persona data synth --out data/synth --users 10000 --items 2000 --seed 0

The same seed gives byte-identical files. The generative story, whose hidden parts are written
to `ground_truth.csv` so tests can check that a model recovers them:

- Catalogue: 33 leaf categories under 7 top-level ones (`model/data/synth_vocab.py`), e.g.
  `Clothing > Women > Dresses`. Titles, descriptions, reviews and queries are built from each
  leaf's own noun and attribute words, so text tells categories apart. Price is log-normal around
  the leaf's median times a brand tier. Within a leaf, popularity is Zipf (exponent 1) over a
  random rank: popularity is a real baseline, but it ignores whose interest a leaf is. A hidden
  quality drives add-to-cart and ratings.
- Users belong to hidden communities of about 50. A community's taste is a hierarchical
  Dirichlet (over top-level categories, then leaves); a user's interests at the start of the
  year are a Dirichlet draw around it, cut to 1-4 main leaves. 60% of users drift: over the
  year their interests move linearly toward a new leaf taken from the community's taste.
- Sessions: each user joins at a random time in the first 60% of the year and has sessions
  (activity is log-normal across users) at least an hour apart up to the year's end. A session
  browses one leaf, drawn from the user's interests at that time (10% of sessions explore by
  global popularity), and views items by popularity and price fit; each view may become a
  click, a click a cart, a cart a purchase at checkout. 45% of first purchases of an item get a
  `review` (rating and text, 1-21 days later), 20% a bare `rating`. Ratings rise with the
  item's quality and with whether the leaf is one of the user's interests.
- Search: 40% of sessions with a click start with a query (`queries.csv`) made of words of the
  first clicked item (noun, attribute, brand).
- Social: each user names Poisson(2.5) friends, 80% in their own community (homophily);
  edges are undirected and deduplicated.
- Users: 40% have a short bio naming their main interests.

`ground_truth.csv` is tidy, one row per user and category the user has any interest in:
  user_id, level ("leaf" or "top"), category (the path, or the top-level name),
  weight_start (interest on the year's first day), weight_end (on its last day),
  weight (at the middle of the user's active period: the mix their sessions were drawn from).
Interest at fraction f of the year is (1 - f) * weight_start + f * weight_end. Per user and
level each column sums to 1 (up to rounding to 4 decimals); categories absent have weight 0.
"""
import os
import re
import time

import numpy as np
import pandas as pd

from model.data import schema
from model.data.dataset import Dataset, write_dataset
from model.data.synth_vocab import (BIO_ONE, BIO_TWO, LEAVES, QUERY_TEMPLATES, REVIEW_ADJECTIVES,
                                    REVIEW_ASPECT, REVIEW_CLOSERS, REVIEW_OPENERS, SENTIMENTS,
                                    TOPS)
from persona.errors import PersonaError

YEAR_START = 1672531200  # 2023-01-01T00:00:00Z
YEAR = 365 * 86400
SESSION_GAP = 3600  # seconds between a user's sessions; longer than any session lasts
EVENTS_PER_USER = 20  # default --events is this times --users
COMMUNITY_SIZE = 50
HOMOPHILY = 0.8  # share of friendships made inside the user's community
DRIFTING_USERS = 0.6
EXPLORE = 0.1  # sessions that browse by global popularity instead of the user's interests
ZIPF = 1.0
P_CLICK, P_CART, P_BUY = 0.45, 0.35, 0.6
P_REVIEW, P_RATING = 0.45, 0.2
P_SEARCH = 0.4
BIO_FRACTION = 0.4
MEAN_EXTRA_VIEWS = 2.0  # views per session: 1 + Poisson(2), at most 10
PRICE_SIGMA = 0.35  # log-price spread within a leaf (brand tier and item noise together)

TOP_NAMES = tuple(TOPS)
LEAF_TOP = np.array([TOP_NAMES.index(leaf.top) for leaf in LEAVES])
STAGES = ("view", "click", "cart", "purchase", "rating", "review")  # order within one instant


def add_arguments(parser):
    parser.add_argument("--out", required=True, metavar="DIR", help="output dataset directory")
    parser.add_argument("--users", type=int, default=10000, metavar="N", help="default 10000")
    parser.add_argument("--items", type=int, default=2000, metavar="M", help="default 2000")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="default 0")
    parser.add_argument("--events", type=int, default=None, metavar="E",
                        help=f"about how many events (default {EVENTS_PER_USER} per user)")


def run(args):
    start = time.perf_counter()
    s = synthesize(args.out, users=args.users, items=args.items, seed=args.seed,
                   events=args.events)
    types = ", ".join(f"{k} {v}" for k, v in s["event_types"].items())
    print(f"synthetic shop (seed {s['seed']}) written to {s['out']} "
          f"in {time.perf_counter() - start:.1f} s\n"
          f"  items.csv         {s['items']} items in {s['categories']} leaf categories "
          f"({s['top_categories']} top-level)\n"
          f"  events.csv        {s['events']} events over {s['days']} days: {types}\n"
          f"  queries.csv       {s['queries']} searches\n"
          f"  social.csv        {s['social_edges']} friendships\n"
          f"  users.csv         {s['users']} users, {s['users_with_bio']} with a bio\n"
          f"  ground_truth.csv  {s['ground_truth_rows']} rows of true interests")


def synthesize(out, users=10000, items=2000, seed=0, events=None):
    """Writes a synthetic shop to `out` (canonical CSVs + ground_truth.csv); returns a summary."""
    events = EVENTS_PER_USER * users if events is None else events
    if users < 2:
        raise PersonaError(f"--users must be at least 2 (got {users})")
    if items < len(LEAVES):
        raise PersonaError(f"--items must be at least {len(LEAVES)}, one per leaf category "
                           f"(got {items})")
    if events < 1:
        raise PersonaError(f"--events must be positive (got {events})")
    if seed < 0:
        raise PersonaError(f"--seed must be non-negative (got {seed})")
    if os.path.exists(out) and not os.path.isdir(out):
        raise PersonaError(f"{out}: exists and is not a directory")
    rng = np.random.default_rng(seed)
    cat = _Catalogue(rng, items)
    ppl = _People(rng, users)
    shop = _sessions(rng, cat, ppl, events)
    item_ids = _ids("i", rng.permutation(items))  # ids shuffled: their order says nothing
    user_ids = _ids("u", np.arange(users))

    ds = Dataset(
        items=_items_table(cat, item_ids),
        events=_events_table(rng, cat, ppl, shop, item_ids, user_ids),
        social=_social_table(rng, ppl, user_ids),
        users=_users_table(rng, ppl, user_ids),
        queries=_queries_table(rng, cat, shop, item_ids, user_ids),
    )
    truth = _ground_truth(ppl, user_ids)
    try:
        write_dataset(ds, out)
        truth.to_csv(os.path.join(out, "ground_truth.csv"), index=False, encoding="utf-8")
    except OSError as e:
        raise PersonaError(f"{out}: cannot write the dataset: {e.strerror}") from e
    ts = ds.events.timestamp
    return {
        "out": out, "seed": seed, "users": users, "items": items,
        "categories": len(LEAVES), "top_categories": len(TOPS),
        "events": len(ds.events),
        "event_types": {t: int((ds.events.event == t).sum()) for t in schema.EVENT_TYPES},
        "queries": len(ds.queries), "social_edges": len(ds.social),
        "users_with_bio": int((ds.users.bio != "").sum()),
        "ground_truth_rows": len(truth), "days": int((ts.max() - ts.min()) // 86400),
    }


def _ids(prefix, numbers):
    width = len(str(max(len(numbers) - 1, 1)))
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers], dtype=object)


def _dirichlet_rows(rng, alpha):
    """One Dirichlet draw per row of `alpha` (numpy's dirichlet takes one alpha for all)."""
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def _sample_rows(rng, weights):
    """One column index per row of non-negative `weights`, proportional to the row."""
    cum = np.cumsum(weights, axis=1)
    r = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= r[:, None]).sum(axis=1), weights.shape[1] - 1)


def _articles(text):
    """'a' -> 'an' before a vowel (the vocabulary has no 'a u' sounding like 'you')."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", text)


def _capitalize(words):
    return " ".join(w[:1].upper() + w[1:] for w in words.split(" "))


class _Catalogue:
    """Items grouped by leaf (index order), with their hidden popularity and quality."""

    def __init__(self, rng, n_items):
        n_leaves = len(LEAVES)
        counts = 1 + rng.multinomial(n_items - n_leaves, rng.dirichlet(np.full(n_leaves, 4.0)))
        self.leaf = np.repeat(np.arange(n_leaves), counts)
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        order = np.lexsort((rng.random(n_items), self.leaf))
        rank = np.empty(n_items, dtype=np.int64)
        rank[order] = np.arange(n_items) - start[self.leaf[order]]
        self.popularity = 1.0 / (rank + 1.0) ** ZIPF
        # Sampling key: leaf + the item's cumulative popularity share in its leaf, in (l, l+1].
        cum = np.cumsum(self.popularity)
        before = (cum[start] - self.popularity[start])[self.leaf]
        self.leaf_popularity = np.bincount(self.leaf, self.popularity, minlength=n_leaves)
        self._key = self.leaf + (cum - before) / self.leaf_popularity[self.leaf]
        self._key[start + counts - 1] = np.arange(n_leaves) + 1.0

        top = LEAF_TOP[self.leaf]
        n_brands = len(TOPS[TOP_NAMES[0]].brands)  # the same for every top-level category
        brand_share = 1.0 / np.arange(1, n_brands + 1) ** 0.8
        self.brand = rng.choice(n_brands, size=n_items, p=brand_share / brand_share.sum())
        tier = np.exp(rng.normal(0.0, 0.25, size=(len(TOPS), n_brands)))
        median = np.array([leaf.price for leaf in LEAVES])[self.leaf]
        price = median * tier[top, self.brand] * np.exp(rng.normal(0.0, 0.25, n_items))
        self.price = np.maximum(np.round(price) - 0.01, 0.99)
        self.price_z = np.log(self.price / median) / PRICE_SIGMA
        self.quality = rng.normal(0.0, 1.0, n_items)
        # Three distinct attribute words per item: two in the title, one in the description.
        n_attr = np.array([len(leaf.attributes) for leaf in LEAVES])[self.leaf]
        keys = rng.random((n_items, n_attr.max()))
        keys[np.arange(n_attr.max()) >= n_attr[:, None]] = 2.0
        self.attrs = np.argsort(keys, axis=1)[:, :3]

    def sample(self, rng, leaves):
        """One item per entry of `leaves`, by popularity within that leaf."""
        return np.searchsorted(self._key, leaves + rng.random(len(leaves)), side="right")

    def words(self, i):
        """(leaf, brand name, attribute words) of item i."""
        leaf = LEAVES[self.leaf[i]]
        return leaf, TOPS[leaf.top].brands[self.brand[i]], [leaf.attributes[a]
                                                             for a in self.attrs[i]]


class _People:
    """Users' hidden communities, interests (start and end of year), join time and tastes."""

    def __init__(self, rng, n_users):
        n_leaves = len(LEAVES)
        n_comm = max(1, round(n_users / COMMUNITY_SIZE))
        self.community = rng.integers(n_comm, size=n_users)
        top_share = rng.dirichlet(np.full(len(TOPS), 0.5), size=n_comm)
        within = rng.gamma(0.7, size=(n_comm, n_leaves))
        group = np.stack([np.bincount(LEAF_TOP, w, minlength=len(TOPS)) for w in within])
        self.taste = top_share[:, LEAF_TOP] * within / group[:, LEAF_TOP]

        theta = _dirichlet_rows(rng, 10.0 * self.taste[self.community] + 0.03)
        n_main = 1 + rng.binomial(3, 0.5, n_users)
        rank = np.argsort(np.argsort(-theta, axis=1), axis=1)
        theta = np.where(rank < n_main[:, None], theta, 0.0)
        self.start = theta / theta.sum(axis=1, keepdims=True)
        drift = np.where(rng.random(n_users) < DRIFTING_USERS, rng.uniform(0.3, 0.7, n_users),
                         0.0)
        new_leaf = _sample_rows(rng, (self.taste[self.community] + 1e-3) * (self.start == 0))
        self.end = self.start * (1.0 - drift[:, None])
        self.end[np.arange(n_users), new_leaf] += drift
        self.join = rng.uniform(0.0, 0.6, n_users) * YEAR
        self.price_pref = rng.normal(0.0, 0.6, n_users)  # in units of the leaf's price spread
        self.rating_bias = rng.normal(0.0, 0.4, n_users)
        self.activity = rng.lognormal(0.0, 0.8, n_users)

    def interests(self, fraction):
        """Each user's interests at `fraction` of the year ([n_users] or scalar)."""
        f = np.asarray(fraction, dtype=float).reshape(-1, 1)
        return (1.0 - f) * self.start + f * self.end


def _sessions(rng, cat, ppl, n_events):
    """Sessions, views and the funnel behind them, as arrays (times in seconds of the year)."""
    n_users = len(ppl.join)
    feedback = 1.0 + P_REVIEW + P_RATING
    per_view = 1.0 + P_CLICK * (1.0 + P_CART * (1.0 + P_BUY * feedback))
    n_sessions = max(n_users, round(n_events / ((1.0 + MEAN_EXTRA_VIEWS) * per_view)))
    window = YEAR - ppl.join
    most = np.maximum(window // SESSION_GAP - 1, 1).astype(np.int64)
    per_user = 1 + rng.multinomial(n_sessions - n_users, ppl.activity / ppl.activity.sum())
    per_user = np.minimum(per_user, most)
    user = np.repeat(np.arange(n_users), per_user)
    first = np.concatenate([[0], np.cumsum(per_user)[:-1]])
    # Sorted uniform points with SESSION_GAP added per rank: spread over the window, never
    # closer than SESSION_GAP, so no two sessions of a user overlap.
    u = rng.random(len(user))
    u = u[np.lexsort((u, user))]
    k = np.arange(len(user)) - first[user]
    free = window[user] - per_user[user] * SESSION_GAP
    t_session = np.floor(ppl.join[user] + u * free + k * SESSION_GAP).astype(np.int64)

    # Interests at time f mix start and end as (1 - f, f): draw from end with probability f.
    leaf = _sample_rows(rng, np.where(
        rng.random(len(user))[:, None] < t_session[:, None] / YEAR, ppl.end[user],
        ppl.start[user]))
    explore = rng.random(len(user)) < EXPLORE
    leaf[explore] = _sample_rows(rng, np.broadcast_to(cat.leaf_popularity,
                                                      (explore.sum(), len(LEAVES))))

    n_views = 1 + np.minimum(rng.poisson(MEAN_EXTRA_VIEWS, len(user)), 9)
    vs = np.repeat(np.arange(len(user)), n_views)  # session of each view
    gap = rng.integers(60, 180, len(vs))
    cum = np.cumsum(gap)
    v_first = np.concatenate([[0], np.cumsum(n_views)[:-1]])
    t_view = t_session[vs] + cum - cum[v_first][vs]
    # Of two popular candidates, the one nearer the user's price level is viewed.
    a, b = cat.sample(rng, leaf[vs]), cat.sample(rng, leaf[vs])
    pref = ppl.price_pref[user[vs]]
    item = np.where(np.abs(cat.price_z[a] - pref) <= np.abs(cat.price_z[b] - pref), a, b)

    click = rng.random(len(vs)) < P_CLICK
    t_click = t_view + rng.integers(2, 20, len(vs))
    appeal = 2.0 / (1.0 + np.exp(-cat.quality[item]))  # mean 1 over items
    cart = click & (rng.random(len(vs)) < P_CART * appeal)
    t_cart = t_click + rng.integers(5, 30, len(vs))
    buy = cart & (rng.random(len(vs)) < P_BUY)
    t_checkout = t_view[v_first + n_views - 1] + rng.integers(60, 300, len(user))
    # One purchase row per item and session, however often it was carted.
    bought = np.flatnonzero(buy)
    bought = bought[np.unique(vs[bought] * len(cat.leaf) + item[bought], return_index=True)[1]]
    bought.sort()
    return dict(user=user, t_session=t_session, vs=vs, item=item, t_view=t_view, click=click,
                t_click=t_click, cart=cart, t_cart=t_cart, bought=bought,
                t_buy=t_checkout[vs[bought]])


def _items_table(cat, item_ids):
    titles, descriptions = [], []
    for i in range(len(cat.leaf)):
        leaf, brand, (a1, a2, a3) = cat.words(i)
        title = f"{brand} {_capitalize(a1)} {_capitalize(a2)} {_capitalize(leaf.noun)}"
        leaf_name = leaf.path.split(" > ")[-1].lower()
        titles.append(title)
        descriptions.append(_articles(f"{title}. A {a1}, {a2} {leaf.noun} by {brand} from our "
                                      f"{leaf_name} range. " + TOPS[leaf.top].pitch.format(a=a3)))
    df = pd.DataFrame({
        "item_id": item_ids, "title": titles, "description": descriptions,
        "category": [LEAVES[l].path for l in cat.leaf],
        "brand": [TOPS[LEAVES[l].top].brands[b] for l, b in zip(cat.leaf, cat.brand)],
        "price": cat.price})
    return df.sort_values("item_id", kind="stable").reset_index(drop=True)


def _events_table(rng, cat, ppl, shop, item_ids, user_ids):
    vs, item, user = shop["vs"], shop["item"], shop["user"]
    v_user = user[vs]
    click, cart, bought = shop["click"], shop["cart"], shop["bought"]
    parts = [(v_user, item, shop["t_view"], "view"),
             (v_user[click], item[click], shop["t_click"][click], "click"),
             (v_user[cart], item[cart], shop["t_cart"][cart], "cart"),
             (v_user[bought], item[bought], shop["t_buy"], "purchase")]

    # Feedback on a user's first purchase of an item only: one review or rating per pair.
    p_user, p_item = v_user[bought], item[bought]
    first = np.zeros(len(bought), dtype=bool)
    first[np.unique(p_user * len(cat.leaf) + p_item, return_index=True)[1]] = True
    r = rng.random(len(bought))
    kind = np.where(r < P_REVIEW, "review", np.where(r < P_REVIEW + P_RATING, "rating", ""))
    fb = first & (kind != "")
    f_user, f_item = p_user[fb], p_item[fb]
    t_fb = shop["t_buy"][fb] + rng.integers(86400, 21 * 86400, fb.sum())
    fraction = np.clip(shop["t_session"][vs[bought]][fb] / YEAR, 0.0, 1.0)
    f_leaf = cat.leaf[f_item]
    liked = ((1.0 - fraction) * ppl.start[f_user, f_leaf] + fraction * ppl.end[f_user, f_leaf]) > 0
    latent = (3.5 + 0.8 * cat.quality[f_item] + ppl.rating_bias[f_user] + 0.6 * liked
              + rng.normal(0.0, 0.8, fb.sum()))
    rating = np.clip(np.round(latent), 1, 5)
    is_review = kind[fb] == "review"
    texts = np.full(fb.sum(), "", dtype=object)
    texts[is_review] = _review_texts(rng, cat, f_item[is_review], rating[is_review])

    frames = [pd.DataFrame({"u": u, "i": i, "timestamp": t, "event": e,
                            "rating": np.nan, "text": ""}) for u, i, t, e in parts]
    frames.append(pd.DataFrame({"u": f_user, "i": f_item, "timestamp": t_fb,
                                "event": kind[fb], "rating": rating, "text": texts}))
    ev = pd.concat(frames, ignore_index=True)
    stage = ev.event.map({s: n for n, s in enumerate(STAGES)}).to_numpy()
    ev = ev.iloc[np.lexsort((stage, ev.i.to_numpy(), ev.u.to_numpy(), ev.timestamp.to_numpy()))]
    return pd.DataFrame({"user_id": user_ids[ev.u.to_numpy()],
                         "item_id": item_ids[ev.i.to_numpy()],
                         "timestamp": YEAR_START + ev.timestamp.to_numpy(),
                         "event": ev.event.to_numpy(), "rating": ev.rating.to_numpy(),
                         "text": ev.text.to_numpy()})


def _review_texts(rng, cat, items, ratings):
    """Review text naming the item's noun, an attribute and an aspect, in the rating's tone."""
    n = len(items)
    picks = rng.integers(0, 1 << 30, size=(n, 5))
    out = []
    for i, rating, p in zip(items, ratings, picks):
        leaf, brand, attrs = cat.words(i)
        tone = SENTIMENTS[0 if rating <= 2 else 1 if rating == 3 else 2]
        aspects = TOPS[leaf.top].aspects
        slots = dict(noun=leaf.noun, attr=attrs[p[0] % 2], brand=brand,
                     aspect=aspects[p[1] % len(aspects)],
                     adj=REVIEW_ADJECTIVES[tone][p[2] % len(REVIEW_ADJECTIVES[tone])])
        opener = REVIEW_OPENERS[tone][p[3] % len(REVIEW_OPENERS[tone])]
        closer = REVIEW_CLOSERS[tone][p[4] % len(REVIEW_CLOSERS[tone])]
        out.append(_articles(" ".join(s.format(**slots) for s in (opener, REVIEW_ASPECT, closer))))
    return out


def _queries_table(rng, cat, shop, item_ids, user_ids):
    vs, click = shop["vs"], shop["click"]
    clicked = np.flatnonzero(click)
    first = clicked[np.unique(vs[clicked], return_index=True)[1]]  # first click per session
    first = first[rng.random(len(first)) < P_SEARCH]
    session = vs[first]
    picks = rng.integers(0, 1 << 30, size=(len(first), 2))
    queries = []
    for i, p in zip(shop["item"][first], picks):
        leaf, brand, attrs = cat.words(i)
        template = QUERY_TEMPLATES[p[0] % len(QUERY_TEMPLATES)]
        queries.append(template.format(noun=leaf.noun, attr=attrs[p[1] % 2],
                                       brand=brand).lower())
    return pd.DataFrame({"user_id": user_ids[shop["user"][session]], "query": queries,
                         "item_id": item_ids[shop["item"][first]],
                         "timestamp": YEAR_START + shop["t_session"][session]
                         - rng.integers(5, 60, len(first))})


def _social_table(rng, ppl, user_ids):
    n_users = len(user_ids)
    src = np.repeat(np.arange(n_users), rng.poisson(2.5, n_users))
    members = np.argsort(ppl.community, kind="stable")
    size = np.bincount(ppl.community)
    c_start = np.concatenate([[0], np.cumsum(size)[:-1]])
    c = ppl.community[src]
    same = members[c_start[c] + (rng.random(len(src)) * size[c]).astype(np.int64)]
    dst = np.where(rng.random(len(src)) < HOMOPHILY, same, rng.integers(n_users, size=len(src)))
    keep = src != dst
    lo, hi = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]
    pairs = np.unique(lo * n_users + hi)
    return pd.DataFrame({"user_id": user_ids[pairs // n_users],
                         "friend_id": user_ids[pairs % n_users]})


def _users_table(rng, ppl, user_ids):
    n_users = len(user_ids)
    has_bio = np.flatnonzero(rng.random(n_users) < BIO_FRACTION)
    top2 = np.argsort(-ppl.start[has_bio], axis=1, kind="stable")[:, :2]
    picks = rng.integers(0, 1 << 30, len(has_bio))
    bios = np.full(n_users, "", dtype=object)
    for u, (l1, l2), p in zip(has_bio, top2, picks):
        p1, p2 = LEAVES[l1].interest, LEAVES[l2].interest
        if ppl.start[u, l2] > 0:
            text = BIO_TWO[p % len(BIO_TWO)].format(p1=p1, P1=p1[:1].upper() + p1[1:], p2=p2)
        else:
            text = BIO_ONE[p % len(BIO_ONE)].format(p1=p1)
        bios[u] = text
    return pd.DataFrame({"user_id": user_ids, "bio": bios})


def _ground_truth(ppl, user_ids):
    middle = ppl.interests((ppl.join / YEAR + 1.0) / 2.0)
    to_top = np.eye(len(TOPS))[LEAF_TOP]  # [leaves, tops]
    frames = []
    for level, names, start, end, weight in (
            ("leaf", [leaf.path for leaf in LEAVES], ppl.start, ppl.end, middle),
            ("top", list(TOP_NAMES), ppl.start @ to_top, ppl.end @ to_top, middle @ to_top)):
        u, c = np.nonzero((start > 0) | (end > 0))
        frames.append(pd.DataFrame({
            "user_id": user_ids[u], "level": level, "category": np.array(names)[c],
            "weight": weight[u, c].round(4), "weight_start": start[u, c].round(4),
            "weight_end": end[u, c].round(4), "_u": u}))
    truth = pd.concat(frames, ignore_index=True).sort_values("_u", kind="stable")
    return truth.drop(columns="_u").reset_index(drop=True)
