"""The `google` connector: Gmail and Google Calendar through google-api-python-client."""

from connectors.google.connector import GoogleConnector, connect

__all__ = ["GoogleConnector", "connect"]
