from perfharness.entry import main

raise SystemExit(main())
