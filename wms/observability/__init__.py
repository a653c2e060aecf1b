"""Operating Kaeru: Prometheus metrics, OpenTelemetry traces, structured logs, liveness and readiness.

`wms.observability.wiring.install(app, kaeru)` plugs it into a server; docs/operations.md says what each
metric means and when it should wake somebody. Nothing here changes what the warehouse does.
"""
