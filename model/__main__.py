"""``python -m model`` runs the command-line interface."""

from model.cli import main

raise SystemExit(main())
