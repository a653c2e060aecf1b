"""Kaeru: kiosk_ui."""
