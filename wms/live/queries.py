"""Who may watch the live floor, and which warehouse they watch: the dashboard socket's look-ups."""

from __future__ import annotations

from sqlmodel import Session, select

from wms.context import Kaeru
from wms.errors import Forbidden, Invalid, NotFound
from wms.identity.model import Principal
from wms.identity.service import principal_for_token
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Warehouse


def watched_warehouse(session: Session, principal: Principal, code: str | None) -> Warehouse:
    """The warehouse named, else the watcher's own, else the only one there is."""
    if code:
        return warehouse_by_code(session, principal, code)
    if principal.warehouse_id is not None:
        warehouse = session.get(Warehouse, principal.warehouse_id)
        if warehouse is None:
            raise NotFound(f"your warehouse ({principal.warehouse_id}) is gone")
        return warehouse
    warehouses = session.exec(select(Warehouse)).all()
    if len(warehouses) != 1:
        raise Invalid("name the warehouse to watch: ?warehouse=<code>")
    return warehouses[0]


def authorise(kaeru: Kaeru, token: str, warehouse_code: str | None) -> tuple[Principal, Warehouse]:
    """The manager behind the token and the warehouse they watch (raises a KaeruError otherwise)."""
    with kaeru.db.read() as session:
        principal = principal_for_token(session, token)
        if not principal.can("dashboard.view"):
            raise Forbidden(f"your role ({principal.role}) may not watch the floor dashboard")
        return principal, watched_warehouse(session, principal, warehouse_code)
