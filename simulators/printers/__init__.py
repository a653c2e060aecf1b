"""Simulated printers speaking the real wire protocols: ZPL II on TCP 9100 and ESC/POS.

They keep and render what they print, answer status queries like the real machines, and take
faults (paper out, head open, offline, slow) switched on at run time.
"""
