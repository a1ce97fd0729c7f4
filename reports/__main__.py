"""``python -m reports build ...``"""

from reports.cli import main

raise SystemExit(main())
