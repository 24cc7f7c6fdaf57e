"""Category strings -> tokens: a path "A > B > C" gives "A", "A > B", "A > B > C"; "x|y" is
two labels.

Usage:
    category_tokens("Clothing > Women > Dresses")  # ["Clothing", "Clothing > Women", ...]
    top_levels("Action|Comedy")                     # ["Action", "Comedy"]
"""
LABEL_SEPARATOR = "|"
PATH_SEPARATOR = ">"


def labels(category):
    return [label.strip() for label in str(category).split(LABEL_SEPARATOR) if label.strip()]


def _levels(label):
    return [level.strip() for level in label.split(PATH_SEPARATOR) if level.strip()]


def category_tokens(category):
    """Every path prefix of every label, without repeats, in order."""
    tokens = []
    for label in labels(category):
        levels = _levels(label)
        for depth in range(1, len(levels) + 1):
            token = " > ".join(levels[:depth])
            if token not in tokens:
                tokens.append(token)
    return tokens


def top_levels(category):
    """The first level of each label, without repeats, in order."""
    tops = []
    for label in labels(category):
        levels = _levels(label)
        if levels and levels[0] not in tops:
            tops.append(levels[0])
    return tops
