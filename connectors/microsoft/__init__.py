"""The `microsoft` connector: Outlook mail and calendar through Microsoft Graph (delta sync)."""

from connectors.microsoft.connector import MicrosoftConnector

__all__ = ["MicrosoftConnector"]
