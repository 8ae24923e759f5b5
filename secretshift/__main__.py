from secretshift.cli import main

raise SystemExit(main())
