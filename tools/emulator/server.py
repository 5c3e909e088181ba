"""moto server with tap-infra's fidelity patches applied (run by the launcher, not by hand)."""

import argparse

from tools.emulator import patches


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args()
    patches.apply_all()
    # The data plane: load balancers answer HTTP on loopback, their Lambda targets run (tools/emulator/dataplane).
    from tools.emulator.dataplane import DATA_PLANE

    DATA_PLANE.enable("http://%s:%d" % (args.host, args.port), host=args.host)
    from moto.server import main as moto_main

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
