"""Reading a big form through the Google Sheets backend, against a yardstick in the same process.

Both sides talk to the same emulator over a loopback socket, so the server's cost is shared:
- yardstick: one bare ``requests.get`` of the ``values:batchGet`` URL + ``json.loads`` (the
  floor any client pays for the same bytes);
- measured: ``GoogleSheetsBackend.read_tabs`` (metadata GET + batchGet through gspread, the
  retrying authorized session and the endpoint override, then string conversion).

Usage: python -m benchmarks.sheets [--rows 20000] [--rounds 3]; target: ratio <= 2.5
(the backend adds one small metadata request and per-cell str conversion, nothing per row).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 2.5


def _rows(n: int) -> list[list[str]]:
    header = ["Sygnatura czasowa", "Imię", "Nazwisko", "PESEL", "E-mail", "Telefon", "Kod pocztowy", "Gmina"]
    return [header] + [
        [
            f"{1 + i % 28:02d}.10.2026 12:{i % 60:02d}:00",
            f"Imię{i}",
            f"Nazwisko{i}",
            f"{2270803628 + i:011d}",
            f"osoba{i}@example.org",
            f"+48 600 {i % 1000:03d} 200",
            f"{i % 100:02d}-{i % 1000:03d}",
            "Tychy",
        ]
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> int:
    import requests

    from devtools.emulator import SheetsEmulator, serve
    from devtools.emulator.__main__ import write_service_account_key
    from synergia.google import make_clients
    from synergia.sheets.gsheets import GoogleSheetsBackend, clear_metadata_cache

    ap = argparse.ArgumentParser(prog="python -m benchmarks.sheets")
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)

    emu = SheetsEmulator(quota_per_minute=None)
    server, _ = serve(emu)
    try:
        key = Path(tempfile.mkdtemp()) / "key.json"
        email, public = write_service_account_key(key, f"{server.url}/token")
        emu.trusted_keys[email] = public
        sid = emu.create_spreadsheet("Bench", tabs={"Odpowiedzi": _rows(args.rows)})
        clients = make_clients(json.loads(key.read_text()), api_url=server.url, timeout=60)
        backend = GoogleSheetsBackend(clients.gspread(), cache_key="bench")
        token = emu.issue_token()
        url = f"{server.url}/v4/spreadsheets/{sid}/values:batchGet"
        bare = requests.Session()

        def yardstick() -> float:
            t = time.perf_counter()
            r = bare.get(
                url,
                params={"ranges": "'Odpowiedzi'", "valueRenderOption": "FORMATTED_VALUE"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert len(json.loads(r.content)["valueRanges"][0]["values"]) == args.rows + 1
            return time.perf_counter() - t

        def measured() -> float:
            clear_metadata_cache()
            t = time.perf_counter()
            data = backend.read_tabs(sid, ["Odpowiedzi"])
            assert len(data.tabs["Odpowiedzi"]) == args.rows + 1
            return time.perf_counter() - t

        measured()  # token + warm-up
        base = min(yardstick() for _ in range(args.rounds))
        ours = min(measured() for _ in range(args.rounds))
    finally:
        server.shutdown()
        server.server_close()
    ratio = ours / base
    print(
        f"rows={args.rows}: yardstick {base:.3f}s ({args.rows / base:,.0f} rows/s), "
        f"backend {ours:.3f}s ({args.rows / ours:,.0f} rows/s), ratio {ratio:.2f} (target <= {TARGET_RATIO})"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
