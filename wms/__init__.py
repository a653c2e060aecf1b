"""Kaeru: wms."""
