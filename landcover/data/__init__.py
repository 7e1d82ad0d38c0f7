"""GeoTIFF image / label pairs: discovery and validation, shards over ranks, the crop sampler, sample data."""
