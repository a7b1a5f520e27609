"""Local model weights: where they load from, and the threads and device they run on (torch imported lazily)."""
