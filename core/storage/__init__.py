"""Image stores: a private S3-compatible bucket (Spaces), a local folder, and the presigned-URL cache."""
