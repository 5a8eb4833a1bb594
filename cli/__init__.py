"""The ``synergia`` command line (Typer + Rich), above the flows it runs.

It lives outside ``synergia/`` (the domain package, which never imports prefect)
because its commands import ``flows``. Importing this package imports nothing:
the entry point is :func:`cli.main.main` (``python -m cli`` or the ``synergia``
script), which sets Prefect's environment before the app is loaded; the app
itself is ``cli.app.app``.
"""
