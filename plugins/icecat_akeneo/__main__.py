from icecat_akeneo.cli import main

raise SystemExit(main())
