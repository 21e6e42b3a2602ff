"""The `files` connector: mbox, Maildir and .eml mail, .ics calendars, drafts into a Maildir."""

from connectors.files.connector import FilesConnector

__all__ = ["FilesConnector"]
