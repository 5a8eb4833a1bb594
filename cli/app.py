"""Root Typer app. Each concern registers its commands from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="synergia",
    help=(
        "Synergia — rejestr uczestników, deduplikacja, zaświadczenia i wskaźniki projektów NGO/JST.\n\n"
        "Synergia — participant registry, deduplication, certificates and indicators for NGO/JST projects.\n\n"
        "Zacznij od / start with:  synergia demo"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)

from synergia import runtime  # noqa: E402
from tasks.secrets import read_secret_block  # noqa: E402

runtime.use_secret_reader(read_secret_block)  # SYNERGIA_GOOGLE_CREDENTIALS=block:<name> (doctor, mail send, …)

# Each module below defines ``register(app)``; keep one line per concern.
from cli import commands_core  # noqa: E402

commands_core.register(app)
from cli import commands_report  # noqa: E402

commands_report.register(app)
from cli import commands_certificates  # noqa: E402

commands_certificates.register(app)
from cli import commands_dedupe  # noqa: E402

commands_dedupe.register(app)
from cli import commands_mail  # noqa: E402

commands_mail.register(app)
from cli import commands_serve  # noqa: E402

commands_serve.register(app)
from cli import commands_doctor  # noqa: E402

commands_doctor.register(app)
from cli import commands_rodo  # noqa: E402

commands_rodo.register(app)
