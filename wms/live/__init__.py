"""The live floor: a publish/subscribe bus (memory, Redis, PostgreSQL) and the dashboard's WebSocket."""
