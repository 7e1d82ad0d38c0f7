"""Training pairs from where the data lives: STAC API search, labels aligned onto each image's grid, COG pairs.

``build_pairs(PairsSettings(...))`` is what ``landcover pairs`` runs (see docs/stac-pairs.md).
"""
