"""``python -m synergia.cli``: the same as the ``synergia`` script."""
from synergia.bootstrap import main

main()
