"""`python -m landscape` runs the command-line interface."""

from .cli import main

main()
