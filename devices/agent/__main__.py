"""`python -m devices.agent run --station RET-1 ...` (the same as `kaeru agent ...`)."""

from devices.agent.cli import app

app()
