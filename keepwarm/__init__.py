"""keepwarm: keeps a professional network warm with consistent, approved follow-ups."""

__version__ = "0.1.0"
