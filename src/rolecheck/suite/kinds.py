"""The kinds of thing a feature file can introduce by logical name, and the words each is written with.

One table, read by every layer that meets a kind: the Givens that introduce an entity ("an SQS queue "jobs""), the
references to it later ("on the queue "jobs""), the preflight that checks a name was introduced before use, the
stand-in ARNs of documents checked at collection, and the audit's mapping from a CloudFormation template or a
Terraform plan to logical names. Pure data: nothing here imports the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of entity.

    ``phrase`` introduces it in a Given (``an S3 bucket "reports"``); ``noun`` refers to it afterwards (``the
    bucket "reports"``); ``arn_template`` takes ``{account}``, ``{region}`` and ``{name}`` (the entity's physical
    name, or its id where AWS names it by id); ``cfn_types``/``tf_types`` are the resource types that deploy it.
    """

    name: str
    phrase: str
    noun: str
    service: str
    arn_template: str
    cfn_types: tuple[str, ...] = ()
    tf_types: tuple[str, ...] = ()

    def arn(self, name: str, *, account: str, region: str) -> str:
        """The ARN of an entity of this kind with that physical name."""
        return self.arn_template.format(account=account, region=region, name=name)


KINDS: Mapping[str, Kind] = {kind.name: kind for kind in (
    Kind("user", "IAM user", "user", "iam", "arn:aws:iam::{account}:user/{name}",
         ("AWS::IAM::User",), ("aws_iam_user",)),
    Kind("group", "IAM group", "group", "iam", "arn:aws:iam::{account}:group/{name}",
         ("AWS::IAM::Group",), ("aws_iam_group",)),
    Kind("role", "role", "role", "iam", "arn:aws:iam::{account}:role/{name}",
         ("AWS::IAM::Role",), ("aws_iam_role",)),
    Kind("policy", "customer-managed policy", "policy", "iam", "arn:aws:iam::{account}:policy/{name}",
         ("AWS::IAM::ManagedPolicy",), ("aws_iam_policy",)),
    # An inline policy has no ARN of its own: it is a part of its role (the preflight keys it "inline:<name>").
    Kind("inline-policy", "inline policy", "policy", "iam", "arn:aws:iam::{account}:role/{name}",
         ("AWS::IAM::Policy", "AWS::IAM::RolePolicy"), ("aws_iam_role_policy",)),
    # Located by name, never made: AWS owns it.
    Kind("aws-policy", "AWS-managed policy", "policy", "iam", "arn:aws:iam::aws:policy/{name}"),
    Kind("bucket", "S3 bucket", "bucket", "s3", "arn:aws:s3:::{name}",
         ("AWS::S3::Bucket",), ("aws_s3_bucket",)),
    Kind("queue", "SQS queue", "queue", "sqs", "arn:aws:sqs:{region}:{account}:{name}",
         ("AWS::SQS::Queue",), ("aws_sqs_queue",)),
    Kind("topic", "SNS topic", "topic", "sns", "arn:aws:sns:{region}:{account}:{name}",
         ("AWS::SNS::Topic",), ("aws_sns_topic",)),
    # AWS appends six random characters to a secret's ARN; the stand-in has none.
    Kind("secret", "Secrets Manager secret", "secret", "secretsmanager",
         "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
         ("AWS::SecretsManager::Secret",), ("aws_secretsmanager_secret",)),
    Kind("key", "KMS key", "key", "kms", "arn:aws:kms:{region}:{account}:key/{name}",
         ("AWS::KMS::Key",), ("aws_kms_key",)),
    Kind("function", "Lambda function", "function", "lambda", "arn:aws:lambda:{region}:{account}:function:{name}",
         ("AWS::Lambda::Function",), ("aws_lambda_function",)),
    Kind("table", "DynamoDB table", "table", "dynamodb", "arn:aws:dynamodb:{region}:{account}:table/{name}",
         ("AWS::DynamoDB::Table",), ("aws_dynamodb_table",)),
    # The provider's name is its issuer's host and path (token.actions.githubusercontent.com).
    Kind("oidc-provider", "OIDC provider", "OIDC provider", "iam", "arn:aws:iam::{account}:oidc-provider/{name}",
         ("AWS::IAM::OIDCProvider",), ("aws_iam_openid_connect_provider",)),
    Kind("saml-provider", "SAML provider", "SAML provider", "iam", "arn:aws:iam::{account}:saml-provider/{name}",
         ("AWS::IAM::SAMLProvider",), ("aws_iam_saml_provider",)),
)}

# The introducing phrase of each kind, as a Given writes it after "a"/"an"/"the".
KIND_PHRASES: Mapping[str, Kind] = {kind.phrase: kind for kind in KINDS.values()}

# The resource kinds a Then-step may name after "on the" (``on the queue "jobs"``).
RESOURCE_NOUNS: Mapping[str, Kind] = {kind.noun: kind for kind in KINDS.values()
                                      if kind.name in {"bucket", "queue", "topic", "secret", "key", "function",
                                                       "table"}}

# What deploys each kind, for the audit's mapping from a template or a plan.
CFN_TYPES: Mapping[str, Kind] = {cfn: kind for kind in KINDS.values() for cfn in kind.cfn_types}
TF_TYPES: Mapping[str, Kind] = {tf: kind for kind in KINDS.values() for tf in kind.tf_types}
