"""The serving contract shared by export (training side) and serving: names only, no TF.

Serving code never imports training code; both import this module. See DESIGN.md,
"Serving contract".
"""

MODEL_NAME = "persona"
DEFAULT_K = 100  # items returned by `serving_default`, fixed at export

SIGNATURE_RECOMMEND = "serving_default"
SIGNATURE_PROFILE = "profile"
SIGNATURE_RANK = "rank"
SIGNATURES = (SIGNATURE_RECOMMEND, SIGNATURE_PROFILE, SIGNATURE_RANK)

# Raw request features. Every input is required; "" means unknown (and pads 2-D inputs).
USER_ID = "user_id"          # [B] string, opaque id ("" for an anonymous / new user)
USER_TEXT = "user_text"      # [B] string, text the user wrote (review, bio)
HISTORY = "history"          # [B, H] string item ids, most recent last
FRIENDS = "friends"          # [B, F] string user ids
QUERY = "query"              # [B] string search query (context for search)
CANDIDATES = "candidates"    # [B, C] string item ids (rank only)
USER_INPUTS = (USER_ID, USER_TEXT, HISTORY, FRIENDS, QUERY)
RANK_INPUTS = USER_INPUTS + (CANDIDATES,)
INPUT_RANK = {USER_ID: 1, USER_TEXT: 1, HISTORY: 2, FRIENDS: 2, QUERY: 1, CANDIDATES: 2}

# Outputs.
ITEM_IDS = "item_ids"                  # [B, K] string
SCORES = "scores"                      # [B, K] or [B, C] float32
PROFILE = "profile"                    # [B, D] float32, L2-normalized
MODALITY_WEIGHTS = "modality_weights"  # [B, 3] float32
SEGMENT = "segment"                    # [B] int64
MODALITIES = ("text", "behavior", "social")

SIGNATURE_INPUTS = {
    SIGNATURE_RECOMMEND: USER_INPUTS,
    SIGNATURE_PROFILE: USER_INPUTS,
    SIGNATURE_RANK: RANK_INPUTS,
}
SIGNATURE_OUTPUTS = {
    SIGNATURE_RECOMMEND: (ITEM_IDS, SCORES),
    SIGNATURE_PROFILE: (PROFILE, MODALITY_WEIGHTS, SEGMENT),
    SIGNATURE_RANK: (SCORES,),
}

# Files next to a version's SavedModel, in assets.extra/ (TF Serving replays the warmup file).
WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"  # PredictionLog records
MODEL_CARD_FILE = "assets.extra/model_card.json"         # data summary, metrics, versions
ITEMS_FILE = "assets.extra/items.csv"                    # item_id,title, for display
