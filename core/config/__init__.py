"""Settings from the environment, `.env` and Streamlit secrets; their parsers; keeping secrets out of text."""
