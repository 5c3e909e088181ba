# The project's default strategy (ansible.cfg: strategy = tap_linear): Ansible's linear strategy, run
# through Mitogen when ansible_mitogen is importable (persistent interpreters: boto3 is imported once per
# host, not once per task). Without Mitogen, or with TAP_ACCELERATION=off, it is plain linear.
from __future__ import annotations

DOCUMENTATION = """
name: tap_linear
short_description: linear, accelerated by Mitogen when it is installed
description:
  - Task execution is the same as the C(linear) strategy (every host finishes a task before the next task).
  - When the C(ansible_mitogen) package (mitogen) is importable, tasks run through its C(mitogen_linear)
    strategy. Otherwise, or when the environment variable E(TAP_ACCELERATION) is C(off), C(0), C(false) or
    C(no), this is plain C(linear).
author: tap-infra maintainers
"""

import os

from ansible.plugins.loader import strategy_loader
from ansible.utils.display import Display

display = Display()

ACCELERATION_ENV = "TAP_ACCELERATION"
OFF_VALUES = ("off", "0", "false", "no", "linear")


def acceleration_requested(environ=os.environ):
    return environ.get(ACCELERATION_ENV, "on").strip().lower() not in OFF_VALUES


def mitogen_mixin():
    """Mitogen's strategy mixin, or None when acceleration is off or Mitogen is unavailable."""
    if not acceleration_requested():
        display.vv("tap_linear: %s is off: plain linear strategy" % ACCELERATION_ENV)
        return None
    try:
        import ansible_mitogen.strategy
    except ImportError:
        display.vv("tap_linear: mitogen is not installed: plain linear strategy")
        return None
    except Exception as exc:  # e.g. a Mitogen release that does not support this ansible-core
        display.warning("tap_linear: mitogen cannot be used (%s): falling back to the linear strategy" % exc)
        return None
    display.vv("tap_linear: linear strategy accelerated by mitogen")
    return ansible_mitogen.strategy.StrategyMixin


_LINEAR = strategy_loader.get("linear", class_only=True)
_MIXIN = mitogen_mixin()
ACCELERATED = _MIXIN is not None


class StrategyModule(*((_MIXIN,) if ACCELERATED else ()), _LINEAR):
    pass
