"""Deleting what the suite created, one resource kind at a time, safe to repeat.

The resource registry (end of each scenario) and the sweeper (leftovers of interrupted runs) both call these, so
the order of dependent deletions is written once. A resource that is already gone counts as deleted.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

_GONE = frozenset({"NoSuchEntity", "NoSuchBucket", "404", "NotFound", "NotFoundException", "ResourceNotFoundException",
                   "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
                   "RepositoryNotFoundException", "NoSuchAccessPoint"})


def _ignore_missing(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE:
            return None
        raise


def delete_user(iam: Any, name: str) -> None:
    """Delete a user with everything that blocks its deletion: login profile, keys, policies, groups, MFA."""
    _ignore_missing(iam.delete_login_profile, UserName=name)
    keys = _ignore_missing(iam.list_access_keys, UserName=name) or {"AccessKeyMetadata": []}
    for key in keys["AccessKeyMetadata"]:
        _ignore_missing(iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
    for policy in (_ignore_missing(iam.list_user_policies, UserName=name) or {"PolicyNames": []})["PolicyNames"]:
        _ignore_missing(iam.delete_user_policy, UserName=name, PolicyName=policy)
    attached = _ignore_missing(iam.list_attached_user_policies, UserName=name) or {"AttachedPolicies": []}
    for policy in attached["AttachedPolicies"]:
        _ignore_missing(iam.detach_user_policy, UserName=name, PolicyArn=policy["PolicyArn"])
    for group in (_ignore_missing(iam.list_groups_for_user, UserName=name) or {"Groups": []})["Groups"]:
        _ignore_missing(iam.remove_user_from_group, UserName=name, GroupName=group["GroupName"])
    for device in (_ignore_missing(iam.list_mfa_devices, UserName=name) or {}).get("MFADevices", []):
        _ignore_missing(iam.deactivate_mfa_device, UserName=name, SerialNumber=device["SerialNumber"])
        _ignore_missing(iam.delete_virtual_mfa_device, SerialNumber=device["SerialNumber"])
    user = _ignore_missing(iam.get_user, UserName=name)
    if user and user["User"].get("PermissionsBoundary"):
        _ignore_missing(iam.delete_user_permissions_boundary, UserName=name)
    _ignore_missing(iam.delete_user, UserName=name)


def delete_group(iam: Any, name: str) -> None:
    """Delete a group after removing its members and policies."""
    group = _ignore_missing(iam.get_group, GroupName=name)
    if group is None:
        return
    for user in group["Users"]:
        _ignore_missing(iam.remove_user_from_group, GroupName=name, UserName=user["UserName"])
    for policy in iam.list_group_policies(GroupName=name)["PolicyNames"]:
        _ignore_missing(iam.delete_group_policy, GroupName=name, PolicyName=policy)
    for policy in iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]:
        _ignore_missing(iam.detach_group_policy, GroupName=name, PolicyArn=policy["PolicyArn"])
    _ignore_missing(iam.delete_group, GroupName=name)


def delete_role(iam: Any, name: str) -> None:
    """Delete a role after removing its policies and instance-profile memberships."""
    for policy in (_ignore_missing(iam.list_role_policies, RoleName=name) or {"PolicyNames": []})["PolicyNames"]:
        _ignore_missing(iam.delete_role_policy, RoleName=name, PolicyName=policy)
    attached = _ignore_missing(iam.list_attached_role_policies, RoleName=name) or {"AttachedPolicies": []}
    for policy in attached["AttachedPolicies"]:
        _ignore_missing(iam.detach_role_policy, RoleName=name, PolicyArn=policy["PolicyArn"])
    profiles = _ignore_missing(iam.list_instance_profiles_for_role, RoleName=name) or {"InstanceProfiles": []}
    for profile in profiles["InstanceProfiles"]:
        _ignore_missing(
            iam.remove_role_from_instance_profile, InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
    _ignore_missing(iam.delete_role, RoleName=name)


def delete_policy(iam: Any, arn: str) -> None:
    """Delete a customer-managed policy: detach it everywhere, delete its other versions, then the policy."""
    entities = _ignore_missing(iam.list_entities_for_policy, PolicyArn=arn)
    if entities is None:
        return
    for user in entities["PolicyUsers"]:
        _ignore_missing(iam.detach_user_policy, UserName=user["UserName"], PolicyArn=arn)
    for group in entities["PolicyGroups"]:
        _ignore_missing(iam.detach_group_policy, GroupName=group["GroupName"], PolicyArn=arn)
    for role in entities["PolicyRoles"]:
        _ignore_missing(iam.detach_role_policy, RoleName=role["RoleName"], PolicyArn=arn)
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            _ignore_missing(iam.delete_policy_version, PolicyArn=arn, VersionId=version["VersionId"])
    _ignore_missing(iam.delete_policy, PolicyArn=arn)


def delete_bucket(s3: Any, name: str) -> None:
    """Empty a bucket (every object version and delete marker) and delete it."""
    try:
        paginator = s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=name):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if doomed:
                s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE:
            raise


def delete_queue(sqs: Any, url: str) -> None:
    """Delete an SQS queue by its URL."""
    _ignore_missing(sqs.delete_queue, QueueUrl=url)


def delete_topic(sns: Any, arn: str) -> None:
    """Delete an SNS topic by its ARN."""
    _ignore_missing(sns.delete_topic, TopicArn=arn)


def delete_secret(secretsmanager: Any, arn: str) -> None:
    """Delete a Secrets Manager secret at once: a secret in its recovery window still holds its resource policy."""
    _ignore_missing(secretsmanager.delete_secret, SecretId=arn, ForceDeleteWithoutRecovery=True)


def delete_key(kms: Any, key_id: str) -> None:
    """Schedule a KMS key's deletion after the shortest window AWS allows (7 days).

    The key keeps its policy and grants while it waits, and the suite reuses IAM names from one scenario to the next:
    the policy is first reset to the account's default, and its grants revoked, so that neither names a principal
    the suite created.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    described = _ignore_missing(kms.describe_key, KeyId=key_id)
    if described is None or described["KeyMetadata"]["KeyState"] == "PendingDeletion":
        return
    metadata = described["KeyMetadata"]
    root = f"arn:{metadata['Arn'].split(':')[1]}:iam::{metadata['AWSAccountId']}:root"
    default = {"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                                       "Principal": {"AWS": root},
                                                       "Action": "kms:*", "Resource": "*"}]}
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(default))
    for page in kms.get_paginator("list_grants").paginate(KeyId=key_id):
        for grant in page.get("Grants", ()):
            _ignore_missing(kms.revoke_grant, KeyId=key_id, GrantId=grant["GrantId"])
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)


def delete_function(lambda_: Any, name: str) -> None:
    """Delete a Lambda function with its resource-based policy."""
    _ignore_missing(lambda_.delete_function, FunctionName=name)


def delete_access_point(s3control: Any, arn: str) -> None:
    """Delete an S3 access point, by its ARN (which names the account and the name S3 Control takes), with its
    policy."""
    _ignore_missing(s3control.delete_access_point, AccountId=arn.split(":")[4], Name=arn.rsplit("/", 1)[-1])


def delete_repository(ecr: Any, name: str) -> None:
    """Delete an ECR repository with its images and its repository policy."""
    _ignore_missing(ecr.delete_repository, repositoryName=name, force=True)


def delete_table(dynamodb: Any, name: str) -> None:
    """Delete a DynamoDB table with its resource policy."""
    _ignore_missing(dynamodb.delete_table, TableName=name)


def delete_oidc_provider(iam: Any, arn: str) -> None:
    """Delete an IAM OIDC provider by its ARN."""
    _ignore_missing(iam.delete_open_id_connect_provider, OpenIDConnectProviderArn=arn)


def delete_saml_provider(iam: Any, arn: str) -> None:
    """Delete an IAM SAML provider by its ARN."""
    _ignore_missing(iam.delete_saml_provider, SAMLProviderArn=arn)


# In deletion order, which the sweeper follows (the registry deletes newest first instead): a function before the
# role it runs as, principals before the policies they hold, an access point before its bucket, and the key last,
# after whatever it may encrypt.
DELETERS = {
    "function": ("lambda", delete_function),
    "user": ("iam", delete_user),
    "group": ("iam", delete_group),
    "role": ("iam", delete_role),
    "policy": ("iam", delete_policy),
    "oidc-provider": ("iam", delete_oidc_provider),
    "saml-provider": ("iam", delete_saml_provider),
    "access-point": ("s3control", delete_access_point),
    "bucket": ("s3", delete_bucket),
    "queue": ("sqs", delete_queue),
    "topic": ("sns", delete_topic),
    "secret": ("secretsmanager", delete_secret),
    "repository": ("ecr", delete_repository),
    "table": ("dynamodb", delete_table),
    "key": ("kms", delete_key),
}
