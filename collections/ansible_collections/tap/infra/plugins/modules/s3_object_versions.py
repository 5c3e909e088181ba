#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: s3_object_versions
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - tap.infra.aws_module
  - tap.infra.aws_module.state
short_description: Remove every version and delete marker of S3 objects
version_added: 0.2.0
description:
  - In a versioned bucket, deleting an object (M(amazon.aws.s3_object) O(amazon.aws.s3_object#module:mode=delobj))
    only adds a delete marker; every earlier version stays, and is billed. This module removes every version and
    every delete marker of the given keys (C(ListObjectVersions), then C(DeleteObjects) by version id), so that
    nothing of them is left.
  - Only the exact keys given are touched (a listed version of another key sharing the prefix is not).
author:
  - tap-infra maintainers (@tap-infra)
options:
  bucket:
    description: The bucket.
    required: true
    type: str
  keys:
    description: The object keys whose versions and delete markers are removed.
    required: true
    type: list
    elements: str
  state:
    description: Only V(absent).
    choices: ['absent']
    default: absent
notes:
  - The identity needs C(s3:ListBucketVersions) on the bucket and C(s3:DeleteObjectVersion) on the objects.
  - Why it exists - it complements M(amazon.aws.s3_object), whose O(amazon.aws.s3_object#module:mode=delobj) deletes
    without a version id (in a versioned bucket, a delete marker) even when O(amazon.aws.s3_object#module:version)
    is given (amazon.aws 11.4); only
    M(amazon.aws.s3_bucket) with O(amazon.aws.s3_bucket#module:force=true) removes versions, and only of the whole
    bucket while deleting it. The project can drop it when M(amazon.aws.s3_object) can delete every version of a key.
"""

EXAMPLES = r"""
- name: Leave no version of the probe object
  tap.infra.s3_object_versions:
    bucket: tap-prod-us-east-1-123456789012
    keys: [verify/probe.json]
"""

RETURN = r"""
deleted:
  description: The versions and delete markers removed (or that would be in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{key: verify/probe.json, version_id: 3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY}]
"""


from ansible_collections.tap.infra.plugins.module_utils.common import ModuleError
from ansible_collections.tap.infra.plugins.module_utils.common import aws_client
from ansible_collections.tap.infra.plugins.module_utils.common import aws_module
from ansible_collections.tap.infra.plugins.module_utils.common import converge


def versions_of(client, bucket, key):
    found = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            if entry["Key"] == key:
                found.append({"Key": key, "VersionId": entry.get("VersionId") or "null"})
    return found


def ensure_absent(client, bucket, keys, check_mode):
    doomed = [v for key in keys for v in versions_of(client, bucket, key)]
    result = {
        "changed": bool(doomed),
        "deleted": [{"key": v["Key"], "version_id": v["VersionId"]} for v in doomed],
    }
    if check_mode:
        return result
    for start in range(0, len(doomed), 1000):
        answer = client.delete_objects(
            Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True}, aws_retry=True
        )
        if answer.get("Errors"):
            raise ModuleError("could not delete %s" % answer["Errors"])
    return result


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        keys=dict(type="list", elements="str", required=True, no_log=False),
        state=dict(type="str", default="absent", choices=["absent"]),
    )
    module = aws_module(argument_spec)
    client = aws_client(module, "s3")
    params = module.params
    converge(
        module,
        lambda: ensure_absent(client, params["bucket"], params["keys"], module.check_mode),
        "versions of %s in bucket %s could not be removed" % (params["keys"], params["bucket"]),
    )


if __name__ == "__main__":
    main()
