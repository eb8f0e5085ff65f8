"""`python -m briefing` runs the command line."""

from briefing.cli import run

run()
