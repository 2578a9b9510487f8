"""Test helpers shared across test packages (fake providers)."""
