"""The one exception validators raise: a reason code and a Polish message, never the value itself."""

from __future__ import annotations


class Invalid(ValueError):
    def __init__(self, code: str, message_pl: str):
        self.code = code
        self.message_pl = message_pl
        super().__init__(code)
