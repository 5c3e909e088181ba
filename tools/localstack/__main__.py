import sys

from tools.localstack.launcher import main

sys.exit(main())
