"""Development tools that are not shipped in the wheel: the Sheets emulator, the demo and benchmark data generators, dedupe
quality metrics. ``synergia demo`` imports them from a source checkout."""
