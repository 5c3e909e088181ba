# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The statements of docs/deployer-policy.json that grant the actions of this collection's modules, so a denied
call names the statement the deployer's identity lacks. tests/unit/test_deployer_policy.py keeps this in step
with the JSON document."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Sid -> the actions it grants (services the modules call: ec2, kms, dynamodb, elasticloadbalancing, lambda,
# cloudwatch, s3, tag).
STATEMENTS = {
    "Ec2NoResourceScope": (
        "ec2:AllocateAddress ec2:AssociateRouteTable ec2:AttachInternetGateway "
        "ec2:AuthorizeSecurityGroupEgress ec2:AuthorizeSecurityGroupIngress ec2:CreateInternetGateway "
        "ec2:CreateNatGateway ec2:CreateRoute ec2:CreateRouteTable ec2:CreateSecurityGroup ec2:CreateSubnet "
        "ec2:CreateTags ec2:CreateVpc ec2:DeleteInternetGateway ec2:DeleteNatGateway ec2:DeleteRoute "
        "ec2:DeleteRouteTable ec2:DeleteSecurityGroup ec2:DeleteSubnet ec2:DeleteTags ec2:DeleteVpc "
        "ec2:DescribeAddresses ec2:DescribeAvailabilityZones ec2:DescribeInternetGateways "
        "ec2:DescribeNatGateways ec2:DescribeRouteTables ec2:DescribeSecurityGroups ec2:DescribeSubnets "
        "ec2:DescribeTags ec2:DescribeVpcAttribute ec2:DescribeVpcs ec2:DetachInternetGateway "
        "ec2:DisassociateRouteTable ec2:ModifySubnetAttribute ec2:ModifyVpcAttribute ec2:ReleaseAddress "
        "ec2:ReplaceRoute ec2:ReplaceRouteTableAssociation ec2:RevokeSecurityGroupEgress "
        "ec2:RevokeSecurityGroupIngress ec2:UpdateSecurityGroupRuleDescriptionsEgress "
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress"
    ),
    "KmsNoResourceScope": "kms:CreateKey kms:ListAliases kms:TagResource",
    "TagFindProjectKeys": "tag:GetResources",
    "KmsReadKeys": "kms:DescribeKey kms:GetKeyPolicy kms:GetKeyRotationStatus kms:ListResourceTags",
    "KmsAliases": "kms:CreateAlias kms:DeleteAlias kms:UpdateAlias",
    "KmsWriteProjectKeys": (
        "kms:CreateAlias kms:CreateGrant kms:Decrypt kms:DeleteAlias kms:DisableKeyRotation kms:EnableKey "
        "kms:EnableKeyRotation kms:GenerateDataKey kms:PutKeyPolicy kms:ScheduleKeyDeletion kms:UntagResource "
        "kms:UpdateAlias kms:UpdateKeyDescription"
    ),
    "S3ListAllBuckets": "s3:ListAllMyBuckets",
    "S3ProjectBuckets": (
        "s3:CreateBucket s3:DeleteBucket s3:DeleteBucketPolicy s3:GetAccelerateConfiguration s3:GetBucketAcl "
        "s3:GetBucketLogging s3:GetBucketObjectLockConfiguration s3:GetBucketOwnershipControls "
        "s3:GetBucketPolicy s3:GetBucketPublicAccessBlock s3:GetBucketRequestPayment s3:GetBucketTagging "
        "s3:GetBucketVersioning s3:GetEncryptionConfiguration s3:GetInventoryConfiguration s3:ListBucket "
        "s3:ListBucketVersions s3:PutBucketOwnershipControls s3:PutBucketPolicy s3:PutBucketPublicAccessBlock "
        "s3:PutBucketTagging s3:PutBucketVersioning s3:PutEncryptionConfiguration"
    ),
    "S3ProjectObjects": "s3:DeleteObjectVersion",
    "LambdaProjectFunctions": (
        "lambda:AddPermission lambda:CreateFunction lambda:DeleteFunction lambda:GetFunction lambda:GetPolicy "
        "lambda:ListTags lambda:RemovePermission lambda:TagResource"
    ),
    "ElbDescribe": (
        "elasticloadbalancing:DescribeListeners elasticloadbalancing:DescribeLoadBalancerAttributes "
        "elasticloadbalancing:DescribeLoadBalancers elasticloadbalancing:DescribeRules "
        "elasticloadbalancing:DescribeTags elasticloadbalancing:DescribeTargetGroupAttributes "
        "elasticloadbalancing:DescribeTargetGroups elasticloadbalancing:DescribeTargetHealth"
    ),
    "ElbProjectResources": (
        "elasticloadbalancing:AddTags elasticloadbalancing:CreateListener "
        "elasticloadbalancing:CreateLoadBalancer elasticloadbalancing:CreateRule "
        "elasticloadbalancing:CreateTargetGroup elasticloadbalancing:DeleteListener "
        "elasticloadbalancing:DeleteLoadBalancer elasticloadbalancing:DeleteRule "
        "elasticloadbalancing:DeleteTargetGroup elasticloadbalancing:DeregisterTargets "
        "elasticloadbalancing:ModifyRule elasticloadbalancing:RegisterTargets "
        "elasticloadbalancing:SetRulePriorities"
    ),
    "DynamodbProjectTables": (
        "dynamodb:CreateTable dynamodb:CreateTableReplica dynamodb:DeleteTable dynamodb:DeleteTableReplica "
        "dynamodb:DescribeContinuousBackups dynamodb:DescribeTable dynamodb:ListTagsOfResource "
        "dynamodb:TagResource dynamodb:UpdateContinuousBackups dynamodb:UpdateTable"
    ),
    "CloudwatchNoResourceScope": "cloudwatch:DescribeAlarms",
    "CloudwatchProjectDashboards": "cloudwatch:DeleteDashboards cloudwatch:GetDashboard cloudwatch:PutDashboard",
    "CloudwatchProjectAlarms": (
        "cloudwatch:DeleteAlarms cloudwatch:ListTagsForResource cloudwatch:PutMetricAlarm "
        "cloudwatch:TagResource"
    ),
}


def statements_granting(action):
    """The Sids of the statements granting `action` (e.g. kms:CreateKey), in the document's order."""
    return [sid for sid, actions in STATEMENTS.items() if action in actions.split()]
