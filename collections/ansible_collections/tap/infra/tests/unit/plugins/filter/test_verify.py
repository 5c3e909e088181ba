# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.verify_replica_check: one replication check record per region, from one multi-region read."""

from ansible_collections.tap.infra.plugins.filter.verify import verify_replica_check


def check(region, result):
    return verify_replica_check(region, "us-east-1", "tap-t-table", result, 30)


def test_a_region_with_the_item_passes_and_says_by_which_attempt():
    result = {"items_by_region": {"us-east-1": {"pk": "a"}, "us-west-2": {"pk": "a"}}, "read_errors": {}, "attempts": 3}
    assert check("us-west-2", result) == {
        "site": "us-east-1",
        "check": "item of the POST in table tap-t-table in us-west-2",
        "expected": "read back within 30 s",
        "seen": "read back by attempt 3",
        "ok": True,
    }


def test_a_region_without_it_or_not_read_fails_with_the_reason():
    result = {"items_by_region": {"us-east-1": {"pk": "a"}, "eu-west-1": {}},
              "read_errors": {"us-west-2": "item of table tap-t-table could not be read: no such table"}, "attempts": 120}
    assert check("eu-west-1", result)["seen"] == "not read back in 120 attempt(s)"
    assert check("us-west-2", result)["seen"].endswith("no such table")
    assert not check("eu-west-1", result)["ok"] and not check("us-west-2", result)["ok"]
    assert check("eu-west-1", {"failed": True, "msg": "in eu-west-1: denied"})["seen"] == "in eu-west-1: denied"
    assert check("eu-west-1", {"skipped": True})["seen"] == "skipped"
