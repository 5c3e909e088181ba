# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.dynamodb_item, dynamodb_item_info and s3_object_versions against botocore's Stubber."""

import threading

import pytest
from botocore.stub import Stubber

from ansible_collections.tap.infra.plugins.module_utils.dynamodb import from_dynamodb
from ansible_collections.tap.infra.plugins.module_utils.dynamodb import to_dynamodb
from ansible_collections.tap.infra.plugins.modules import dynamodb_item
from ansible_collections.tap.infra.plugins.modules import dynamodb_item_info
from ansible_collections.tap.infra.plugins.modules import s3_object_versions

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


# --- main() of the three modules, and what the items hold ------------------------------------------------------


def run_module(module, monkeypatch, service, raw, params, check_mode=False):
    client = utils.RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR)
    return utils.run_main(module, monkeypatch, utils.FakeModule(params, {service: client}, check_mode=check_mode))


def test_item_main_puts_then_deletes():
    raw, stubber = stubbed("dynamodb")
    expect_get(stubber, None)
    stubber.add_response("put_item", {}, {"TableName": TABLE, "Item": dict(KEY_DDB, on={"BOOL": True})})
    expect_get(stubber, dict(KEY_DDB, on={"BOOL": True}))
    stubber.add_response("delete_item", {}, {"TableName": TABLE, "Key": KEY_DDB})
    params = {"table": TABLE, "key": KEY, "attributes": {"on": True}, "state": "present"}
    with stubber, pytest.MonkeyPatch.context() as monkeypatch:
        put = run_module(dynamodb_item, monkeypatch, "dynamodb", raw, params)
        deleted = run_module(dynamodb_item, monkeypatch, "dynamodb", raw, dict(params, state="absent"))
    stubber.assert_no_pending_responses()
    assert put["changed"] and put["operation"] == "put" and "diff" not in put
    assert deleted["changed"] and deleted["operation"] == "delete"


def test_item_types_round_trip_as_plain_values():
    item = {"s": "x", "i": 3, "f": 2.5, "b": False, "l": [1, 1.5, "a"], "m": {"n": 0.25, "t": True}, "z": None}
    wire = to_dynamodb(item)
    assert wire["f"] == {"N": "2.5"} and wire["m"]["M"]["n"] == {"N": "0.25"} and wire["b"] == {"BOOL": False}
    assert from_dynamodb(wire) == item
    assert from_dynamodb({"ss": {"SS": ["a"]}}) == {"ss": ["a"]} and from_dynamodb(None) is None


def test_info_main_queries_by_prefix_and_refuses_two_partition_attributes():
    raw, stubber = stubbed("dynamodb")
    stubber.add_response("query", {"Items": [dict(KEY_DDB, n={"N": "3"})], "Count": 1}, {
        "TableName": TABLE, "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :sk)",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
        "ExpressionAttributeValues": {":pk": {"S": "verify#1"}, ":sk": {"S": "cr"}}, "ConsistentRead": False})
    params = {"table": TABLE, "key": None, "partition_key": {"pk": "verify#1"}, "sort_key_prefix": "cr",
              "sort_key_name": "sk", "consistent_read": False, "regions": None}
    with stubber, pytest.MonkeyPatch.context() as monkeypatch:
        found = run_module(dynamodb_item_info, monkeypatch, "dynamodb", raw, params)
        refused = run_module(dynamodb_item_info, monkeypatch, "dynamodb", raw,
                             dict(params, partition_key={"pk": "a", "other": "b"}))
    stubber.assert_no_pending_responses()
    assert found == {"changed": False, "query_items": [dict(KEY, n=3)]}
    assert refused["failed"] and "exactly one attribute" in refused["msg"]


def test_info_main_reads_every_region_at_once_and_names_each_region_it_could_not_read():
    regions = ("us-east-1", "us-west-2", "eu-west-1")
    raws = {region: utils.raw_client("dynamodb", region) for region in regions}
    stubbers = {region: Stubber(raw) for region, raw in raws.items()}
    # Every read waits for the others to start: reads made one after the other break the barrier.
    barrier = threading.Barrier(len(regions), timeout=10)
    for raw in raws.values():
        raw.meta.events.register("before-parameter-build.dynamodb.GetItem", lambda **kwargs: barrier.wait() and None)
    expect_get(stubbers["us-east-1"], dict(KEY_DDB, n={"N": "1"}))
    expect_get(stubbers["us-west-2"], dict(KEY_DDB, n={"N": "1"}))
    expect_get(stubbers["eu-west-1"], None)
    for region in regions:
        expect_get(stubbers[region], None)
    stubbers["us-west-2"].add_client_error("get_item", "ResourceNotFoundException", "no such table", 400)
    expect_get(stubbers["us-east-1"], dict(KEY_DDB, n={"N": "1"}))
    stubbers["eu-west-1"].add_client_error("get_item", "AccessDeniedException", "not authorized", 400)
    clients = {("dynamodb", region): utils.RetryingBotoClientWrapper(raw, utils.CLIENT_DECORATOR)
               for region, raw in raws.items()}
    params = {"table": TABLE, "key": KEY, "partition_key": None, "sort_key_prefix": None, "sort_key_name": "sk",
              "consistent_read": True, "regions": list(regions)}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for stubber in stubbers.values():
            stubber.activate()
        found = utils.run_main(dynamodb_item_info, monkeypatch, utils.FakeModule(params, clients))
        gone = utils.run_main(dynamodb_item_info, monkeypatch, utils.FakeModule(params, clients))
        barrier = threading.Barrier(2)
        partial = utils.run_main(dynamodb_item_info, monkeypatch,
                                 utils.FakeModule(dict(params, regions=["us-east-1", "us-west-2"]), clients))
        barrier = threading.Barrier(1)
        denied = utils.run_main(dynamodb_item_info, monkeypatch, utils.FakeModule(dict(params, regions=["eu-west-1"]), clients))
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
    assert found == {"changed": False, "items_by_region": {
        "us-east-1": dict(KEY, n=1), "us-west-2": dict(KEY, n=1), "eu-west-1": {}}, "read_errors": {}}
    assert gone["items_by_region"] == {region: {} for region in regions}
    assert partial["items_by_region"] == {"us-east-1": dict(KEY, n=1)}
    assert partial["read_errors"]["us-west-2"].startswith("item of table %s could not be read: " % TABLE)
    assert "ResourceNotFoundException" in partial["read_errors"]["us-west-2"]
    assert denied["failed"] and denied["msg"].startswith("in eu-west-1: ") and "dynamodb:GetItem" in denied["msg"]


def test_s3_object_versions_main_reports_what_s3_could_not_delete():
    raw, stubber = stubbed("s3")
    stubber.add_response("list_object_versions", {
        "Versions": [{"Key": "k", "VersionId": "v1"}], "IsTruncated": False}, {"Bucket": "b", "Prefix": "k"})
    stubber.add_response("delete_objects", {"Errors": [{"Key": "k", "VersionId": "v1", "Code": "AccessDenied",
                                                        "Message": "Access Denied"}]})
    stubber.add_response("list_object_versions", {
        "Versions": [{"Key": "k", "VersionId": "v1"}], "IsTruncated": False}, {"Bucket": "b", "Prefix": "k"})
    params = {"bucket": "b", "keys": ["k"], "state": "absent"}
    with stubber, pytest.MonkeyPatch.context() as monkeypatch:
        failed = run_module(s3_object_versions, monkeypatch, "s3", raw, params)
        preview = run_module(s3_object_versions, monkeypatch, "s3", raw, params, check_mode=True)
    stubber.assert_no_pending_responses()
    assert failed["failed"] and "could not delete" in failed["msg"] and "AccessDenied" in failed["msg"]
    assert preview["changed"] and preview["deleted"] == [{"key": "k", "version_id": "v1"}]
