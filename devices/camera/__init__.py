"""Camera barcode scanning: frame sources, decoders, and the `camera://` driver."""
