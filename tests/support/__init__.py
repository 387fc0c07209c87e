"""Helpers and shared data for the tests: paths, example events, servers, the organizer."""
