"""`python -m devices.printers`: the printer command line on its own."""

from devices.printers.cli import app

app()
