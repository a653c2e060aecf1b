"""Kaeru: devices."""
