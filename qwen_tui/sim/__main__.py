from qwen_tui.sim.foreground import main

raise SystemExit(main())
