"""``python -m cli``: the same as the ``synergia`` script."""

from cli.main import main

main()
