import sys

if sys.argv[1:2] == ["proxy"]:
    from tools.emulator.proxy import main as proxy_main

    sys.exit(proxy_main(sys.argv[2:]))

from tools.emulator.launcher import main

sys.exit(main())
