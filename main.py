"""Start AlexNet Viewer from a source checkout: ``python main.py [IMAGE]``."""

from alexnet_viewer.cli.dispatch import main

raise SystemExit(main())
