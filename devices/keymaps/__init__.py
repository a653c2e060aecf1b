"""Keyboard layouts for wedge scanners: key name -> characters typed plain, with Shift, with AltGr."""
