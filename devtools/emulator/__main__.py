"""Run the emulator on a socket: ``python -m devtools.emulator --port 8765 [--seed FILE.xlsx]``.

Each seeded workbook becomes one spreadsheet (id = file stem unless
``--spreadsheet-id``) whose tabs hold the cells as formatted text.
``--write-key`` writes a service-account key whose ``token_uri`` points here,
so ``SYNERGIA_GOOGLE_CREDENTIALS`` + ``SYNERGIA_GOOGLE_API_URL`` just work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .app import SheetsEmulator
from .server import EmulatorServer
from .store import format_number

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa


def _cell_text(value: object, locale: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(float(value))
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%d.%m.%Y %H:%M:%S")
            if locale.startswith("pl")
            else f"{value.month}/{value.day}/{value.year} {value.hour}:{value:%M:%S}"
        )
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y") if locale.startswith("pl") else f"{value.month}/{value.day}/{value.year}"
    return str(value)


def load_workbook_tabs(path: Path, locale: str = "pl_PL") -> dict[str, list[list[str]]]:
    """Tabs of an XLSX (openpyxl) or a single CSV as formatted strings."""
    if path.suffix.lower() == ".csv":
        import csv

        with path.open(newline="", encoding="utf-8-sig") as fh:
            return {path.stem: [list(r) for r in csv.reader(fh)]}
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return {ws.title: [[_cell_text(v, locale) for v in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def write_service_account_key(
    path: Path, token_uri: str, email: str = "synergia@emulator.iam.gserviceaccount.com"
) -> tuple[str, rsa.RSAPublicKey]:
    """Create an RSA service-account key file; returns the public key for the emulator to verify JWTs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    info = {
        "type": "service_account",
        "project_id": "synergia-emulator",
        "private_key_id": "emulator",
        "private_key": pem,
        "client_email": email,
        "client_id": "1",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return email, key.public_key()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m devtools.emulator", description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--seed", action="append", default=[], type=Path, help="XLSX/CSV workbook to load (repeatable)")
    ap.add_argument("--spreadsheet-id", action="append", default=[], help="id for the matching --seed")
    ap.add_argument("--locale", default="pl_PL")
    ap.add_argument("--time-zone", default="Europe/Warsaw")
    ap.add_argument("--no-auth", action="store_true", help="accept requests without a bearer token")
    ap.add_argument("--quota", type=int, nargs=2, metavar=("READS", "WRITES"), default=(300, 300))
    ap.add_argument("--write-key", type=Path, help="write a service-account key whose token_uri points here")
    args = ap.parse_args(argv)

    emu = SheetsEmulator(require_auth=not args.no_auth, quota_per_minute=tuple(args.quota), locale=args.locale, time_zone=args.time_zone)
    server = EmulatorServer(emu, args.host, args.port)
    for i, path in enumerate(args.seed):
        sid = args.spreadsheet_id[i] if i < len(args.spreadsheet_id) else path.stem
        emu.create_spreadsheet(path.stem, spreadsheet_id=sid, tabs=load_workbook_tabs(path, args.locale))
        print(f"spreadsheet {sid} <- {path}", file=sys.stderr)
    if args.write_key:
        email, public = write_service_account_key(args.write_key, f"{server.url}/token")
        emu.trusted_keys[email] = public
        print(f"service-account key -> {args.write_key}", file=sys.stderr)
    print(f"Sheets/Drive emulator on {server.url} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
