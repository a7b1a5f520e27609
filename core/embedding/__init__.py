"""Sentence embeddings behind core.domain.ports.Embedder: a local model (transformers) or one on Replicate."""
