"""`python -m generator` is `digest`."""

from .cli import main

main()
