"""fulfilment."""
