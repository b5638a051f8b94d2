"""Streamlit-side helpers for app.py and pages/ (the only package besides pages that imports
streamlit)."""
