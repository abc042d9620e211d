from backend_planner.cli import main

raise SystemExit(main())
