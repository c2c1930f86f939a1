"""Helpers shared by everything the service writes for people to open elsewhere."""
