"""app.py's HTTP layer in front of Streamlit: the access gate, the sign-in form, readiness and warm-up."""
