# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.dynamodb_item, dynamodb_item_info and s3_object_versions against botocore's Stubber."""

from botocore.stub import Stubber

from ansible_collections.tap.infra.plugins.modules.dynamodb_item import ItemManager
from ansible_collections.tap.infra.plugins.modules.dynamodb_item_info import read
from ansible_collections.tap.infra.plugins.modules.s3_object_versions import ensure_absent
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

TABLE = "tap-test-table"
KEY = {"pk": "verify#1", "sk": "crud"}
KEY_DDB = {"pk": {"S": "verify#1"}, "sk": {"S": "crud"}}


def stubbed(service):
    raw = utils.raw_client(service)
    return raw, Stubber(raw)


def expect_get(stubber, item):
    answer = {"Item": item} if item else {}
    stubber.add_response("get_item", answer, {"TableName": TABLE, "Key": KEY_DDB, "ConsistentRead": True})


def manager(raw, check_mode=False):
    return ItemManager(utils.RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR), check_mode=check_mode)


def test_put_when_missing_then_update_only_what_differs_then_nothing():
    raw, stubber = stubbed("dynamodb")
    expect_get(stubber, None)
    stubber.add_response("put_item", {}, {"TableName": TABLE, "Item": dict(KEY_DDB, step={"S": "put"}, n={"N": "1"})})
    expect_get(stubber, dict(KEY_DDB, step={"S": "put"}, n={"N": "1"}))
    stubber.add_response("update_item", {}, {
        "TableName": TABLE, "Key": KEY_DDB, "UpdateExpression": "SET #a0 = :v0",
        "ExpressionAttributeNames": {"#a0": "step"}, "ExpressionAttributeValues": {":v0": {"S": "update"}}})
    expect_get(stubber, dict(KEY_DDB, step={"S": "update"}, n={"N": "1"}))
    with stubber:
        first = manager(raw).ensure_present(TABLE, KEY, {"step": "put", "n": 1})
        second = manager(raw).ensure_present(TABLE, KEY, {"step": "update", "n": 1})
        third = manager(raw).ensure_present(TABLE, KEY, {"step": "update"})
    assert (first["operation"], second["operation"], third["operation"]) == ("put", "update", "none")
    assert (first["changed"], second["changed"], third["changed"]) == (True, True, False)
    assert second["item"] == dict(KEY, step="update", n=1)


def test_check_mode_writes_nothing_and_delete():
    raw, stubber = stubbed("dynamodb")
    expect_get(stubber, None)
    expect_get(stubber, dict(KEY_DDB, step={"S": "x"}))
    expect_get(stubber, dict(KEY_DDB, step={"S": "x"}))
    stubber.add_response("delete_item", {}, {"TableName": TABLE, "Key": KEY_DDB})
    expect_get(stubber, None)
    with stubber:
        preview = manager(raw, check_mode=True).ensure_present(TABLE, KEY, {"step": "put"})
        preview_delete = manager(raw, check_mode=True).ensure_absent(TABLE, KEY)
        deleted = manager(raw).ensure_absent(TABLE, KEY)
        nothing = manager(raw).ensure_absent(TABLE, KEY)
    assert preview["changed"] and preview["operation"] == "put"
    assert preview_delete["changed"] and deleted["operation"] == "delete"
    assert not nothing["changed"]
    stubber.assert_no_pending_responses()


def test_info_get_and_query():
    raw, stubber = stubbed("dynamodb")
    expect_get(stubber, dict(KEY_DDB, n={"N": "2.5"}))
    stubber.add_response("query", {"Items": [dict(KEY_DDB, n={"N": "3"})], "Count": 1}, {
        "TableName": TABLE, "KeyConditionExpression": "#pk = :pk", "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": "verify#1"}}, "ConsistentRead": True})
    client = utils.RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR)
    params = {"table": TABLE, "key": KEY, "partition_key": None, "sort_key_prefix": None, "sort_key_name": "sk",
              "consistent_read": True}
    with stubber:
        one = read(client, params)
        many = read(client, dict(params, key=None, partition_key={"pk": "verify#1"}))
    assert one["item"] == dict(KEY, n=2.5)
    assert many["query_items"] == [dict(KEY, n=3)]


def test_s3_object_versions_removes_versions_and_delete_markers_of_the_exact_keys():
    raw, stubber = stubbed("s3")
    stubber.add_response("list_object_versions", {
        "Versions": [{"Key": "verify/a.txt", "VersionId": "v1"}, {"Key": "verify/a.txt.bak", "VersionId": "v9"}],
        "DeleteMarkers": [{"Key": "verify/a.txt", "VersionId": "m1"}], "IsTruncated": False,
    }, {"Bucket": "b", "Prefix": "verify/a.txt"})
    stubber.add_response("delete_objects", {"Deleted": []}, {"Bucket": "b", "Delete": {
        "Objects": [{"Key": "verify/a.txt", "VersionId": "v1"}, {"Key": "verify/a.txt", "VersionId": "m1"}],
        "Quiet": True}})
    stubber.add_response("list_object_versions", {"IsTruncated": False}, {"Bucket": "b", "Prefix": "verify/a.txt"})
    client = utils.RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR)
    with stubber:
        removed = ensure_absent(client, "b", ["verify/a.txt"], check_mode=False)
        left = ensure_absent(client, "b", ["verify/a.txt"], check_mode=True)
    assert removed["changed"] and [d["version_id"] for d in removed["deleted"]] == ["v1", "m1"]
    assert not left["changed"] and left["deleted"] == []
