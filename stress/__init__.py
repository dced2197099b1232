"""Stress tools: runs that are too long for the test suite, with bounded versions in it."""
