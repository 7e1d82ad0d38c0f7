"""The tutorial's CNTK v2 models: protobuf schema, graph reader, importer to our checkpoint (no CNTK needed)."""
