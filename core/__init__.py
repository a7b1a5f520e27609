"""Plain-Python core of the voice-to-image app: no Streamlit, no heavy imports at package import."""
