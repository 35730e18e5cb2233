from perfharness.cli import main

raise SystemExit(main())
