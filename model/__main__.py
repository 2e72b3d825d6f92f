"""``python -m model`` runs the command-line interface."""

from model.cli.app import main

raise SystemExit(main())
