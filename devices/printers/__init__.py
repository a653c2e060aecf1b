"""Label and receipt printers: drivers chosen by URL, and a durable per-printer print spooler.

Encoders (labels/) turn a label into ZPL, ESC/POS or PDF bytes; this package only moves bytes to
printers and reads their status back.
"""
