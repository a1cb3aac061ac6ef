"""ChatTriage: classify Chinese community group-chat messages. Importing this package does no work."""

__version__ = "0.1.0"
