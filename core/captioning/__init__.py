"""Image captions: BLIP through transformers, or on Replicate."""
