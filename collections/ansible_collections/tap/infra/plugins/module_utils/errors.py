# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The error a tap.infra module fails with, and the AWS error code of a botocore exception."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleError(Exception):
    """A failure with a message for the user (and the botocore exception when there is one)."""

    def __init__(self, message, exception=None):
        super().__init__(message)
        self.message = message
        self.exception = exception


def error_code(exception):
    """The AWS error code of a botocore exception (None for a connection error and the like)."""
    return getattr(exception, "response", {}).get("Error", {}).get("Code")
