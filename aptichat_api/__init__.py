"""AptiChat HTTP API (Flask): chat, documents, events, feedback, admin, health."""
