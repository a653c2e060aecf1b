"""Kaeru: labels."""
