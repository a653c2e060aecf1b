"""Carriers: rates, labels, voids, return labels, tracking and manifests through a small interface
(wms/carriers/boundary.py) with a karrio implementation (wms/carriers/karrio_gateway.py)."""
