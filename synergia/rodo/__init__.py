"""RODO (GDPR) duties as plain functions: erasure (art. 17), export (art. 15), retention (art. 5(1)(e)),
the audit log and the register of processing activities (art. 30). No Prefect here."""
