"""Merchants: the owners of the stock, orders, returns and shoppers a shared floor handles.

docs/architecture.md, "Merchants".
"""
