"""Full-catalogue evaluation of the profile model against baselines (`persona evaluate`).

requests.py builds the cohorts, metrics.py the per-user metrics, ranking.py scores a cohort in
user batches, report.py writes the JSON and Markdown report, evaluate.py is the command,
tutorial_protocol.py reproduces the TFRS basic-retrieval tutorial's measurement.
"""
