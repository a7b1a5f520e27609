"""The application: the create pipeline, runs, preload, gc, health, exports and the composition root."""
