"""localstack-core with the fidelity patches of tools/localstack/patches: run by the launcher with
.venv-localstack's Python (python -m tools.localstack.server), configured by its environment."""

import sys

from tools.localstack.patches import apply_all


def main():
    apply_all()
    from localstack.runtime.main import main as localstack_main

    return localstack_main()


if __name__ == "__main__":
    sys.exit(main())
