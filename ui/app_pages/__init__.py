"""Streamlit pages (run by st.navigation in ui/app.py, not imported)."""
