"""What a fulfilment house bills its merchants for, per merchant and day, counted from the ledger,
the shipments, the graded returns and the print jobs (docs/architecture.md, "Merchants")."""
