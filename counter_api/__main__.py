from counter_api.cli import main

raise SystemExit(main())
