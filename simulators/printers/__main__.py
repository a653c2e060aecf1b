"""`python -m simulators.printers`: the simulated printers on their own."""

from simulators.printers.cli import main

main()
