"""Outgoing mail: message types, the outbox/SMTP seam and the exactly-once delivery register."""
