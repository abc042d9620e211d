"""Code map extractors: one module per framework family, each listing `EXTRACTORS`."""
