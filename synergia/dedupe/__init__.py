"""Participant deduplication: pure matching core (no Prefect, no database).

``normalize`` folds fields, ``blocking`` proposes candidate pairs, ``compare``
decides pairs (with vetoes), ``cluster`` builds veto-free clusters, and
``engine`` runs it all on plain dict records. ``store`` is the registry side;
the spreadsheet side is ``synergia.sheets.review_tab``.
"""
