"""Kaeru: simulators."""
