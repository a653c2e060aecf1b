"""The `kaeru` command: serve, database, demo data, users, tokens, simulators."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlmodel import select
from typer.core import TyperGroup

from kaeru_config.settings import Settings, get_settings

if TYPE_CHECKING:  # typer carries its own copy of click
    from typer._click.core import Command, Context


class _Commands(TyperGroup):
    """`kaeru`'s commands, with those other packages add (`kaeru agent`, `kaeru sim`) through the
    "kaeru.commands" entry points in pyproject.toml. The server names none of them, and an entry
    point is loaded only when its command runs (or help lists it): `kaeru serve` and every worker it
    starts (each re-imports this module) import neither the station agent nor the simulators. A
    command that is declared but fails to import is an error, not hidden."""

    def list_commands(self, ctx: Context) -> list[str]:
        own = super().list_commands(ctx)
        return own + [name for name in _plugins() if name not in own]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        entry = _plugins().get(cmd_name)
        if command is None and entry is not None:
            command = typer.main.get_group(entry.load())
            command.name = cmd_name
        return command


def _plugins() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group="kaeru.commands")}


app = typer.Typer(
    cls=_Commands, help="Kaeru: warehouse fulfilment and reverse logistics.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for devices and users.", no_args_is_help=True)
merchant_app = typer.Typer(help="The merchants the floor works for.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Retention of history (config/retention.yaml).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(merchant_app, name="merchant")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(maintenance_app, name="maintenance")
console = Console()


def _kaeru():  # type: ignore[no-untyped-def]
    from wms.context import Kaeru

    return Kaeru.from_settings(get_settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations, then bring warehouses, locations, stations and devices in line with config/."""
    from wms.migrations.runner import upgrade
    from wms.site import apply_site

    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, revision)
    kaeru = _kaeru()
    created = kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    console.print(f"database at {revision}; site configuration applied: {created}")


@db_app.command("check")
def db_check() -> None:
    """Check the stock invariants (on-hand equals the ledger, ...); exit 1 if any fails."""
    from wms.observability.invariants import stock_problems

    problems, (ledger, quants) = stock_problems(_kaeru().db)
    for problem in problems:
        console.print(f"[red]{problem}[/red]", soft_wrap=True)  # one line each, for grep
    console.print(f"{ledger} ledger rows, {quants} quants: {'FAILED' if problems else 'invariants hold'}")
    if problems:
        raise typer.Exit(1)


@maintenance_app.command("prune")
def maintenance_prune() -> None:
    """Delete what config/retention.yaml no longer keeps, in short batches (the ledger and money stay)."""
    import json

    from wms.platform.retention import load_policy, prune

    settings = get_settings()
    removed = prune(_kaeru().db, load_policy(settings.config_dir))
    typer.echo(json.dumps(removed))


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="a believable demo site")] = False, orders: int = 40
) -> None:
    """Load demo data (catalogue, stock, staff accounts, open orders)."""
    from wms.seed import DEMO_PASSWORD, seed_demo

    if not demo:
        console.print("nothing to do: pass --demo")
        raise typer.Exit(1)
    kaeru = _kaeru()
    report = kaeru.db.write(lambda s: seed_demo(s, kaeru.site, orders=orders))
    console.print(
        f"demo data: {report}; staff accounts admin/manager/associate/packer/picker/receiver/"
        f"integrator, password {DEMO_PASSWORD!r}"
    )


WORKER_START_TIMEOUT_S = 60


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the HTTP/WebSocket server (--workers N: N processes; they need a shared live bus)."""
    import uvicorn

    from wms.observability.exposition import prepare_multiprocess_dir
    from wms.observability.logging import log_config

    settings = get_settings()
    check_workers(settings, workers)
    if workers > 1:  # the workers' metrics are added up at scrape time (prometheus-client multiprocess mode)
        prepare_multiprocess_dir()
    # uvicorn restarts a worker not serving within `timeout_worker_healthcheck` (5 s by default); loading
    # the app takes longer than that on a busy two-core machine, and the workers were restarted forever.
    uvicorn.run(
        "wms.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings),
        timeout_worker_healthcheck=WORKER_START_TIMEOUT_S,
    )


@app.command()
def relay() -> None:
    """Run the outbox relay and print spooler alone (run the API with KAERU_RUN_RELAY=false)."""
    import asyncio

    from wms.notify.__main__ import main
    from wms.observability.logging import configure_logging
    from wms.observability.tracing import configure_process

    settings = get_settings()
    configure_logging(settings)
    provider = configure_process(settings)
    try:
        asyncio.run(main())
    finally:
        if provider is not None:
            provider.shutdown()


def check_workers(settings: Settings, workers: int) -> None:
    """Several server processes share one floor only through a shared live bus."""
    if workers < 1:
        raise typer.BadParameter("--workers must be at least 1")
    if workers > 1 and settings.live_bus_url.startswith("memory"):
        raise typer.BadParameter(
            f"{workers} workers would each keep their own live events (KAERU_LIVE_BUS_URL is memory://):"
            " set it to redis://127.0.0.1:6379/0 or to the PostgreSQL URL (LISTEN/NOTIFY)"
        )
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print(
            "[yellow]SQLite takes one writer at a time: several workers wait on each other;"
            " PostgreSQL is the database for more than one[/yellow]"
        )


@user_app.command("add")
def user_add(
    username: str,
    role: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    warehouse: str | None = None,
    name: str = "",
    locale: str = "en",
) -> None:
    """Add a staff account."""
    from wms.identity.service import add_user
    from wms.inventory.tables import Warehouse

    def work(session):  # type: ignore[no-untyped-def]
        warehouse_id = None
        if warehouse:
            row = session.exec(select(Warehouse).where(Warehouse.code == warehouse)).first()
            if row is None:
                raise typer.BadParameter(f"no warehouse {warehouse}")
            warehouse_id = row.id
        return add_user(
            session,
            username=username,
            role=role,
            password=password,
            warehouse_id=warehouse_id,
            name=name,
            locale=locale,
        ).username

    console.print(f"added {_kaeru().db.write(work)} ({role})")


@merchant_app.command("list")
def merchant_list() -> None:
    """Print the merchants' codes and names (the default one marked)."""
    from wms.merchants.tables import Merchant

    with _kaeru().db.read() as session:
        rows = session.exec(select(Merchant).order_by(Merchant.code)).all()
    for merchant in rows:
        typer.echo(f"{merchant.code}\t{merchant.name}{chr(9) + 'default' if merchant.is_default else ''}")


@token_app.command("issue")
def token_issue(
    device: Annotated[str | None, typer.Option(help="device code, e.g. RET-1-AGENT")] = None,
    user: Annotated[str | None, typer.Option(help="username")] = None,
    integrator: Annotated[
        str | None, typer.Option(help="an integrator's name: its account is made if new (with --merchant)")
    ] = None,
    merchant: Annotated[str | None, typer.Option(help="the merchant code an integrator works for")] = None,
) -> None:
    """Issue a bearer token for a device (station agent, handheld), a user, or a merchant's integrator;
    printed once."""
    from wms.identity.service import integrator_account, issue_device_token, issue_user_token
    from wms.identity.tables import Device, User

    if sum(bool(x) for x in (device, user, integrator)) != 1:
        raise typer.BadParameter("give exactly one of --device, --user or --integrator")
    if bool(integrator) != bool(merchant):
        raise typer.BadParameter(
            "an integrator's token belongs to one merchant: give --integrator with --merchant"
        )

    def work(session):  # type: ignore[no-untyped-def]
        if integrator and merchant:
            return issue_user_token(session, integrator_account(session, integrator, merchant), label="cli")
        if device:
            row = session.exec(select(Device).where(Device.code == device)).first()
            if row is None:
                raise typer.BadParameter(f"no device {device}")
            return issue_device_token(session, row, label="cli")
        row = session.exec(select(User).where(User.username == user)).first()
        if row is None:
            raise typer.BadParameter(f"no user {user}")
        return issue_user_token(session, row, label="cli")

    typer.echo(_kaeru().db.write(work))


if __name__ == "__main__":
    app()
