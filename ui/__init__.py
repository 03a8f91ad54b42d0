"""Rapportsök web UI: a Streamlit app (`ui/app.py`) over the HTTP API (`ui/client.py`)."""
