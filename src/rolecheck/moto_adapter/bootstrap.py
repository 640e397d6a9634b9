"""The one principal created without a request: an administrator to sign every later request with."""

from __future__ import annotations

import json

from moto.iam.models import iam_backends

ADMIN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def bootstrap_admin(account_id: str = "123456789012", user_name: str = "rolecheck-admin") -> tuple[str, str]:
    """Create, directly in moto's IAM backend, a user with an inline ``Allow * on *`` policy and an access key.

    Returns (access_key_id, secret_access_key). Calling it again for the same user adds another key.
    """
    backend = iam_backends[account_id]["aws"]
    if user_name not in backend.users:
        backend.create_user("us-east-1", user_name=user_name)
        backend.put_user_policy(user_name, "rolecheck-administrator", ADMIN_POLICY)
    key = backend.create_access_key(user_name)
    return key.access_key_id, key.secret_access_key
