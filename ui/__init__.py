"""Streamlit glue: cached resources, shared widgets and session-state helpers. Pages call this and core."""
