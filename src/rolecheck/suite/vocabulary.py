"""The words the feature files may use, and what each means to the suite.

A sentence names an activity ("listing buckets"), and the document under it must allow exactly that activity's
actions; a document refers to run-time values by placeholder. Both the preflight and the claims read them here.
"""

from __future__ import annotations

from collections.abc import Mapping

# What a feature file's activity words mean as IAM actions. A sentence names an activity; the document under it
# must allow exactly these actions, over the whole action catalog.
ACTIVITIES: Mapping[str, frozenset[str]] = {
    "listing buckets": frozenset({"s3:ListAllMyBuckets"}),
}

# Everything a feature file's documents may refer to; Deployment.placeholders() fills them at run time.
PLACEHOLDERS = ("account_id", "region", "user_name", "user_arn", "role_name", "role_arn", "bucket", "session_name")
