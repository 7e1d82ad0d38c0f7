"""``landcover view``: a local web map of imagery, predictions, truth, disagreement and confidence."""
