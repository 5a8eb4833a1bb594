"""The Sheets emulator fixtures (``emulator``, ``backend``, ``clients``, ...) for the field tests."""
from tests.sheets.conftest import (_fresh_metadata_cache, backend, clients, emulator, key_material,  # noqa: F401
                                   sleeps, socket_emulator, socket_key)
