"""GoogleSheetsBackend against the emulator through gspread's real HTTP stack."""

from __future__ import annotations

import pytest

from synergia.sheets.base import NotAnOwnedTab, SpreadsheetBackend, SpreadsheetError, WorksheetNotFound
from synergia.sheets.gsheets import GoogleSheetsBackend

HEADER = ["Sygnatura czasowa", "Imię", "Nazwisko", "PESEL", "Telefon", "Kod pocztowy"]


def form_rows(n: int) -> list[list[str]]:
    rows = [HEADER]
    for i in range(n):
        # Leading zeros and separators must survive: PESEL of someone born in 2002, phones, postcodes.
        rows.append(
            [
                f"{(i % 28) + 1:02d}.11.2026 06:{i % 60:02d}:00",
                f"Imię{i}",
                f"Nazwisko{i}",
                f"0{2270803628 + i}"[-11:],
                f"+48 600 {i % 1000:03d} 200",
                f"0{i % 10}-950",
            ]
        )
    return rows


def reads_writes(emu, sid):
    c = emu.counts(sid)
    return c["read"], c["write"]


def test_backend_satisfies_the_seam(backend):
    assert isinstance(backend, SpreadsheetBackend)


def test_read_is_two_requests_whatever_the_size(emulator, backend):
    rows = form_rows(2500)
    sid = emulator.create_spreadsheet("Rekrutacja", tabs={"Odpowiedzi": rows, "Obecności": [["Data", "PESEL"]], "Notatki": [["x"]]})
    data = backend.read_tabs(sid, ["Odpowiedzi", "Obecności", "Brak takiej"])
    assert reads_writes(emulator, sid) == (2, 0)
    assert data.tabs["Odpowiedzi"] == rows
    assert data.tabs["Odpowiedzi"][1][3].startswith("0") and len(data.tabs["Odpowiedzi"][1][3]) == 11
    assert data.tabs["Obecności"] == [["Data", "PESEL"]]
    assert "Notatki" not in data.tabs
    assert data.missing == ("Brak takiej",)
    assert data.locale == "pl_PL"
    meta, batch = [r for r in emulator.log if r.kind == "read"]
    assert "fields" in meta.query and "sheets.properties" in meta.query["fields"][0]
    assert batch.path.endswith("/values:batchGet")
    assert batch.query["valueRenderOption"] == ["FORMATTED_VALUE"]
    assert batch.query["prettyPrint"] == ["false"]  # the cells without Google's indentation
    assert batch.query["ranges"] == ["'Odpowiedzi'", "'Obecności'"]


def test_numbers_typed_into_the_sheet_arrive_as_displayed_text(emulator, backend):
    sid = emulator.create_spreadsheet("Liczby", tabs={"Odpowiedzi": [["Telefon", "Kwota", "Zgoda"]]})
    # What a Forms response or a typing staff member stores: numbers and booleans, not text.
    ss = emulator.spreadsheets[sid]
    ss.values_update("Odpowiedzi!A2", [[600100200, 1234.5, True]], major="ROWS", input_option="RAW")
    data = backend.read_tabs(sid, ["Odpowiedzi"])
    assert data.tabs["Odpowiedzi"][1] == ["600100200", "1234.5", "TRUE"]


def test_locale_of_the_sheet_reaches_the_data(emulator, backend):
    sid = emulator.create_spreadsheet(
        "US form", tabs={"Form Responses 1": [["Timestamp"], ["11/21/2026 6:15:00"]]}, locale="en_US", time_zone="America/New_York"
    )
    assert backend.read_tabs(sid, ["Form Responses 1"]).locale == "en_US"


def test_no_values_request_when_no_tab_exists(emulator, backend):
    sid = emulator.create_spreadsheet("Pusty")
    data = backend.read_tabs(sid, ["Odrzucone"])
    assert data.tabs == {} and data.missing == ("Odrzucone",)
    assert reads_writes(emulator, sid) == (1, 0)


def test_write_existing_owned_tab_is_one_batch_update_replacing_old_content(emulator, backend):
    old = [["Źródło", "Arkusz", "Wiersz"]] + [["r", "Odpowiedzi", str(i)] for i in range(2, 40)] + [["", "", "", "x"]]
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]], "Odrzucone": old})
    backend.read_tabs(sid, ["Odpowiedzi", "Odrzucone"])
    emulator.clear_log()
    new = [["Źródło", "Arkusz", "Wiersz"], ["r", "Odpowiedzi", "7"]]
    backend.write_tab(sid, "Odrzucone", new)
    assert reads_writes(emulator, sid) == (0, 1)
    (write,) = emulator.log
    assert write.path.endswith(":batchUpdate") and "/values" not in write.path
    assert emulator.tab_values(sid, "Odrzucone") == new  # no stale rows or columns
    assert emulator.tab_values(sid, "Odpowiedzi") == [["a"]]


def test_write_in_a_fresh_backend_after_read_costs_no_extra_read(emulator, clients):
    """Prefect tasks build their own backend; the nightly bound is 2 reads per spreadsheet."""
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": form_rows(5)})
    GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Odpowiedzi", "Odrzucone"])
    GoogleSheetsBackend(clients.gspread(), cache_key="k").write_tab(sid, "Odrzucone", [["Źródło"], ["x"]])
    assert reads_writes(emulator, sid) == (2, 1)  # the tab is created and filled in one request
    emulator.clear_log()
    GoogleSheetsBackend(clients.gspread(), cache_key="k").write_tab(sid, "Odrzucone", [["Źródło"]])
    assert reads_writes(emulator, sid) == (0, 1)
    assert emulator.tab_values(sid, "Odrzucone") == [["Źródło"]]


@pytest.mark.parametrize("partial_server", [False, True], ids=["one-request", "server-without-updateCells"])
def test_missing_owned_tab_is_created_and_filled(emulator, backend, partial_server):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    if partial_server:
        emulator.disabled_requests.add("updateCells")
    rows = [["Źródło", "Opis", ""], ["rekrutacja", '=HYPERLINK("x")', "@x"], ["", "", "+48"]]
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", rows)
    assert [s.title for s in emulator.spreadsheets[sid].sheets] == ["Odpowiedzi", "Odrzucone"]
    assert emulator.tab_values(sid, "Odrzucone") == [["Źródło", "Opis"], ["rekrutacja", '\'=HYPERLINK("x")', "'@x"], ["", "", "+48"]]
    cells = emulator.spreadsheets[sid].by_title("Odrzucone").cells
    assert all(c.formula is None for c in cells.values())
    # One atomic request; a server refusing updateCells costs: refused try, addSheet, values write.
    assert [r.status for r in emulator.log if r.kind == "write"] == ([400, 200, 200] if partial_server else [200])
    backend.write_tab(sid, "Odrzucone", [["Źródło"]])
    assert emulator.tab_values(sid, "Odrzucone") == [["Źródło"]]


@pytest.mark.parametrize(
    "value, stored",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("=1+1", "'=1+1"),
        ("+48600100200", "+48600100200"),
        ("-5", "-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'quoted", "'quoted"),
    ],
)
def test_formula_like_values_stay_literal_text(emulator, backend, value, stored):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    backend.write_tab(sid, "Odrzucone", [["Opis"], [value]])
    cell = emulator.spreadsheets[sid].by_title("Odrzucone").cells[(1, 0)]
    assert cell.formula is None and cell.value == stored  # synergia.sheets.cells: text, in CSV exports too
    assert backend.read_tabs(sid, ["Odrzucone"]).tabs["Odrzucone"] == [["Opis"], [stored]]
    assert all(w.query.get("valueInputOption", ["RAW"]) == ["RAW"] for w in emulator.log if w.kind == "write")


def test_tabs_the_pipeline_does_not_own_are_never_written(emulator, backend):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    emulator.clear_log()
    with pytest.raises(NotAnOwnedTab):
        backend.write_tab(sid, "Odpowiedzi", [["b"]])
    assert emulator.log == []
    assert emulator.tab_values(sid, "Odpowiedzi") == [["a"]]


def test_429_burst_is_recovered_within_the_cap(emulator, backend, sleeps):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": form_rows(3)})
    emulator.inject(429, count=3)
    data = backend.read_tabs(sid, ["Odpowiedzi"])
    assert data.tabs["Odpowiedzi"] == form_rows(3)
    assert len(sleeps) == 3
    assert all(0 <= s <= 8.0 for s in sleeps) and sum(sleeps) <= 60.0
    assert [r.status for r in emulator.log if r.kind == "read"] == [429, 429, 429, 200, 200]


def test_timeouts_are_retried(emulator, backend, sleeps):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    emulator.inject("timeout", count=2, path_contains="values:batchGet")
    assert backend.read_tabs(sid, ["Odpowiedzi"]).tabs == {"Odpowiedzi": [["a"]]}
    assert len(sleeps) == 2


def test_persistent_5xx_fails_cleanly_after_capped_attempts(emulator, backend, sleeps):
    secret = "02270803628"
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["PESEL"], [secret]]})
    emulator.inject(500, count=1000)
    with pytest.raises(SpreadsheetError) as err:
        backend.read_tabs(sid, ["Odpowiedzi"])
    assert "500" in str(err.value) and secret not in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert emulator.counts(sid)["read"] == 5  # max_attempts, then give up
    assert len(sleeps) == 4


def test_unknown_spreadsheet_is_reported_not_retried(emulator, backend, sleeps):
    with pytest.raises(WorksheetNotFound):
        backend.read_tabs("no-such-spreadsheet", ["Odpowiedzi"])
    assert sleeps == []


def test_owned_tab_deleted_between_read_and_write_is_recreated(emulator, backend):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]], "Odrzucone": [["stare"]]})
    backend.read_tabs(sid, ["Odpowiedzi", "Odrzucone"])
    ss = emulator.spreadsheets[sid]
    ss.sheets.remove(ss.by_title("Odrzucone"))  # staff deleted the tab meanwhile
    backend.write_tab(sid, "Odrzucone", [["Źródło"], ["r1"]])
    assert emulator.tab_values(sid, "Odrzucone") == [["Źródło"], ["r1"]]


def test_write_failing_with_5xx_is_not_repeated_beyond_the_retry_cap(emulator, backend, sleeps):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]], "Odrzucone": [["x"]]})
    backend.read_tabs(sid, ["Odpowiedzi", "Odrzucone"])
    emulator.clear_log()
    emulator.inject(503, count=100)
    with pytest.raises(SpreadsheetError, match="503"):
        backend.write_tab(sid, "Odrzucone", [["y"]])
    assert emulator.counts(sid) == {"write": 5}
    assert emulator.tab_values(sid, "Odrzucone") == [["x"]]


def test_later_read_of_a_missing_owned_tab_in_the_same_run_costs_nothing(emulator, clients):
    """Night one: 'Do sprawdzenia' does not exist yet; the dedupe step asks for it again."""
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": form_rows(3)})
    GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Odpowiedzi", "Do sprawdzenia", "Odrzucone"])
    again = GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Do sprawdzenia"])
    assert again.missing == ("Do sprawdzenia",)
    assert reads_writes(emulator, sid) == (2, 0)
    # Source tabs always get fresh metadata (staff may add a tab at any time).
    GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Odpowiedzi"])
    assert reads_writes(emulator, sid) == (4, 0)


def test_reused_metadata_naming_a_deleted_owned_tab_is_refreshed(emulator, clients):
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]], "Do sprawdzenia": [["x"]]})
    GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Odpowiedzi", "Do sprawdzenia"])
    ss = emulator.spreadsheets[sid]
    ss.sheets.remove(ss.by_title("Do sprawdzenia"))
    data = GoogleSheetsBackend(clients.gspread(), cache_key="k").read_tabs(sid, ["Do sprawdzenia"])
    assert data.missing == ("Do sprawdzenia",) and data.tabs == {}


def test_the_emulator_answers_prettyprint_false_without_indentation():
    """Google's standard ``prettyPrint`` parameter: true (the default) indents, false sends the same JSON compact."""
    import json

    from devtools.emulator.app import SheetsEmulator

    emu = SheetsEmulator(require_auth=False, quota_per_minute=None)
    sid = emu.create_spreadsheet("Z", tabs={"Odpowiedzi": [["Imię", "Gmina"], ["Łucja", "Żnin"], ["", "Kcynia"]]})
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values:batchGet?ranges=%27Odpowiedzi%27"
    pretty, compact = (emu.handle("GET", url + tail, {}, None) for tail in ("", "&prettyPrint=false"))
    assert pretty.status == compact.status == 200
    assert json.loads(pretty.body) == json.loads(compact.body)
    assert json.loads(compact.body)["valueRanges"][0]["values"][1] == ["Łucja", "Żnin"]
    assert b"\n  " in pretty.body and b"\n" not in compact.body and b'": ' not in compact.body
    assert emu.handle("GET", url + "&prettyPrint=true", {}, None).body == pretty.body
