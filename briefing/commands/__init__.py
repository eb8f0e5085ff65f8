"""The command line's commands, one module per job; part of the CLI layer (briefing/cli.py).

Like cli.py, and unlike every other module, these may print. cli.py holds the `main`
group and the helpers they share (`_errors`, `_workspace_option`, `_console`, exit
codes) and registers each command here on `main`.
"""
