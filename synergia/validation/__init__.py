"""Pure validators of form rows: every function takes text and returns a clean value or raises ``Invalid``."""

from synergia.validation.errors import Invalid

__all__ = ["Invalid"]
