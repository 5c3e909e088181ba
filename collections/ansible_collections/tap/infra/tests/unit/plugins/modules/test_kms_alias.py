# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tap.infra.kms_alias against botocore's Stubber, with the response shapes KMS returns."""

import datetime
from functools import partial

import pytest

from ansible_collections.tap.infra.plugins.modules import kms_alias
from ansible_collections.tap.infra.plugins.modules.kms_alias import AliasManager
from ansible_collections.tap.infra.plugins.modules.kms_alias import AliasParameterError
from ansible_collections.tap.infra.tests.unit.plugins.modules import utils

ACCOUNT = "123456789012"
NAME = "alias/tap-test-us-east-1-s3"
ALIAS_ARN = "arn:aws:kms:us-east-1:%s:%s" % (ACCOUNT, NAME)
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, KEY_ID)
OTHER_KEY_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
WHEN = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)


def entry(name, key_id=None, managed=False):
    """One ListAliases entry as KMS returns it (an AWS managed alias not yet used has no TargetKeyId)."""
    alias = {"AliasName": name, "AliasArn": "arn:aws:kms:us-east-1:%s:%s" % (ACCOUNT, name)}
    if key_id:
        alias["TargetKeyId"] = key_id
    if not managed:
        alias.update(CreationDate=WHEN, LastUpdatedDate=WHEN)
    return alias


MANAGED = [
    entry("alias/aws/dynamodb", "a1b2c3d4-0000-1111-2222-333344445555", managed=True),
    entry("alias/aws/ebs", managed=True),
]


kms = utils.client_fixture("kms")


def listed(stubber, *pages, key_id=None):
    """ListAliases over one or more pages (NextMarker/Truncated as KMS pages them)."""
    marker = None
    for index, aliases in enumerate(pages):
        expected = {}
        if key_id:
            expected["KeyId"] = key_id
        if marker:
            expected["Marker"] = marker
        response = {"Aliases": list(aliases), "Truncated": index < len(pages) - 1}
        if response["Truncated"]:
            marker = "page-%d-marker" % (index + 1)
            response["NextMarker"] = marker
        stubber.add_response("list_aliases", response, expected)


def test_name_gets_the_prefix():
    assert kms_alias.alias_name("tap-test-us-east-1-s3") == NAME
    assert kms_alias.alias_name(NAME) == NAME


@pytest.mark.parametrize("name", ["alias/aws/s3", "aws/dynamodb", "alias/has space", "alias/", "x" * 257, "alias/a:b"])
def test_bad_or_reserved_names_are_refused(name):
    with pytest.raises(AliasParameterError):
        kms_alias.alias_name(name)


def test_target_key_id_from_id_or_arn():
    assert kms_alias.key_id_of(KEY_ID) == KEY_ID
    assert kms_alias.key_id_of(KEY_ARN) == KEY_ID
    mrk = "mrk-1234abcd12ab34cd56ef1234567890ab"
    assert kms_alias.key_id_of("arn:aws-us-gov:kms:us-gov-west-1:%s:key/%s" % (ACCOUNT, mrk)) == mrk


@pytest.mark.parametrize("target", ["", None, NAME, ALIAS_ARN, "arn:aws:s3:::bucket"])
def test_aliases_and_other_targets_are_refused(target):
    with pytest.raises(AliasParameterError):
        kms_alias.key_id_of(target)


def test_create(kms):
    client, stubber = kms
    listed(stubber, MANAGED)
    stubber.add_response("create_alias", {}, {"AliasName": NAME, "TargetKeyId": KEY_ARN})
    listed(stubber, [entry(NAME, KEY_ID)], key_id=KEY_ID)

    result = AliasManager(client).ensure_present("tap-test-us-east-1-s3", KEY_ARN)

    assert result["changed"] is True
    assert result["alias_name"] == NAME
    assert result["alias_arn"] == ALIAS_ARN
    assert result["target_key_id"] == KEY_ID
    assert result["diff"] == {"before": {}, "after": {"alias_name": NAME, "target_key_id": KEY_ID}}


def test_update_target_when_the_alias_points_at_another_key(kms):
    client, stubber = kms
    # The alias is found on the second page: every page is read.
    listed(stubber, MANAGED, [entry("alias/other"), entry(NAME, OTHER_KEY_ID)])
    stubber.add_response("update_alias", {}, {"AliasName": NAME, "TargetKeyId": KEY_ID})

    result = AliasManager(client).ensure_present(NAME, KEY_ID)

    assert result["changed"] is True
    assert result["alias_arn"] == ALIAS_ARN
    assert result["target_key_id"] == KEY_ID
    assert result["diff"]["before"] == {"alias_name": NAME, "target_key_id": OTHER_KEY_ID}
    assert result["diff"]["after"] == {"alias_name": NAME, "target_key_id": KEY_ID}


@pytest.mark.parametrize("target", [KEY_ID, KEY_ARN])
def test_no_change_when_the_alias_points_at_the_key(kms, target):
    client, stubber = kms
    listed(stubber, MANAGED + [entry(NAME, KEY_ID)])

    result = AliasManager(client).ensure_present(NAME, target)

    assert result["changed"] is False
    assert "diff" not in result
    assert (result["alias_arn"], result["target_key_id"]) == (ALIAS_ARN, KEY_ID)


def test_check_mode_makes_no_writes(kms):
    client, stubber = kms
    listed(stubber, MANAGED)
    listed(stubber, [entry(NAME, OTHER_KEY_ID)])
    listed(stubber, [entry(NAME, KEY_ID)])

    created = AliasManager(client, check_mode=True).ensure_present(NAME, KEY_ID)
    updated = AliasManager(client, check_mode=True).ensure_present(NAME, KEY_ID)
    deleted = AliasManager(client, check_mode=True).ensure_absent(NAME)

    # Only the three list_aliases responses were queued: any create/update/delete would fail the stubber.
    assert created["changed"] is True and created["alias_arn"] == ""
    assert updated["changed"] is True and updated["diff"]["before"]["target_key_id"] == OTHER_KEY_ID
    assert deleted["changed"] is True and deleted["target_key_id"] == KEY_ID


def test_absent_deletes_and_reports_the_key_it_pointed_at(kms):
    client, stubber = kms
    listed(stubber, MANAGED, [entry(NAME, KEY_ID)])
    stubber.add_response("delete_alias", {}, {"AliasName": NAME})

    result = AliasManager(client).ensure_absent("tap-test-us-east-1-s3")

    assert result["changed"] is True
    assert (result["alias_arn"], result["target_key_id"]) == (ALIAS_ARN, KEY_ID)
    assert result["diff"] == {"before": {"alias_name": NAME, "target_key_id": KEY_ID}, "after": {}}


def test_absent_when_missing_is_ok(kms):
    client, stubber = kms
    listed(stubber, MANAGED + [entry("alias/tap-test-us-east-1-rds", OTHER_KEY_ID)])

    result = AliasManager(client).ensure_absent(NAME)

    assert result == {"changed": False, "alias_name": NAME, "alias_arn": "", "target_key_id": ""}


def test_absent_tolerates_a_concurrent_delete(kms):
    client, stubber = kms
    listed(stubber, [entry(NAME, KEY_ID)])
    stubber.add_client_error(
        "delete_alias",
        service_error_code="NotFoundException",
        service_message="Alias %s is not found." % ALIAS_ARN,
        http_status_code=400,
        expected_params={"AliasName": NAME},
    )
    assert AliasManager(client).ensure_absent(NAME)["changed"] is True


def test_a_refused_create_is_raised(kms):
    client, stubber = kms
    listed(stubber, [])
    stubber.add_client_error(
        "create_alias",
        service_error_code="KMSInvalidStateException",
        service_message="%s is pending deletion." % KEY_ARN,
        http_status_code=400,
        expected_params={"AliasName": NAME, "TargetKeyId": KEY_ID},
    )
    with pytest.raises(client.client.exceptions.KMSInvalidStateException):
        AliasManager(client).ensure_present(NAME, KEY_ID)


class FakeModule(utils.FakeModule):
    """AnsibleAWSModule with these params and the stubbed kms client."""

    def __init__(self, params, client, check_mode=False, diff=False):
        super().__init__(params, {"kms": client}, check_mode=check_mode, diff=diff)


run_main = partial(utils.run_main, kms_alias)


def test_main_drops_diff_unless_asked(kms, monkeypatch):
    client, stubber = kms
    listed(stubber, [])
    fake = FakeModule({"name": NAME, "target_key_id": KEY_ID, "state": "present"}, client, check_mode=True)
    run_main(monkeypatch, fake)
    assert fake.result["changed"] is True
    assert "diff" not in fake.result


def test_main_keeps_diff_when_asked(kms, monkeypatch):
    client, stubber = kms
    listed(stubber, [entry(NAME, KEY_ID)])
    fake = FakeModule({"name": NAME, "target_key_id": None, "state": "absent"}, client, check_mode=True, diff=True)
    run_main(monkeypatch, fake)
    assert fake.result["diff"]["before"]["target_key_id"] == KEY_ID


def test_main_reports_a_reserved_name(kms, monkeypatch):
    client, stubber = kms
    fake = FakeModule({"name": "alias/aws/s3", "target_key_id": None, "state": "absent"}, client)
    run_main(monkeypatch, fake)
    assert fake.result["failed"] is True and "reserved" in fake.result["msg"]


def test_main_reports_aws_errors(kms, monkeypatch):
    client, stubber = kms
    stubber.add_client_error(
        "list_aliases", service_error_code="AccessDeniedException", service_message="not allowed", http_status_code=400
    )
    fake = FakeModule({"name": NAME, "target_key_id": None, "state": "absent"}, client)
    run_main(monkeypatch, fake)
    assert fake.result["failed"] is True and "kms:ListAliases" in fake.result["msg"]
    assert "KmsNoResourceScope" in fake.result["msg"] and "not retried" in fake.result["msg"]
