"""Baselines a shop would use instead of the profile model, scored like it.

Each baseline has `item_ids` (the catalogue order of its scores), a `fit(...)` that returns
self, and `score(requests) -> np.ndarray [n, M]` on the request DataFrame of
`model.evaluation.requests` (persona.contract.USER_INPUTS columns), so that
`model.evaluation.ranking.rank_cohort` ranks any of them like the recommender:

    from model.baselines.popularity import Popularity
    pop = Popularity().fit(train_events, item_ids)
    pop.score(requests)         # [n, M]
"""
