"""Side effects after commit: the outbox relay and its channels (email, signed webhooks, live bus, print)."""
