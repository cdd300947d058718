from intakebot.cli import main

raise SystemExit(main())
