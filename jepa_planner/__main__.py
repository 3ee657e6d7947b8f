"""``python -m jepa_planner``: the ``jepa-planner`` command line."""

from __future__ import annotations

from jepa_planner.cli import main

raise SystemExit(main())
