import sys

from tools.emulator.launcher import main

sys.exit(main())
