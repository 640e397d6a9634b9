@concern:least-privilege @severity:critical @control:NIST-AC-6
Feature: The role's temporary credentials can list the buckets and do nothing else
  Least privilege (NIST SP 800-53 AC-6): the role exists to let the user list the account's buckets.
  Every other action below is attempted for real with the role's temporary credentials and must be
  refused, except iam:PassRole: no API call exercises it on its own (AWS checks it when a role is handed
  to a service), so that row is decided by the policy engine alone, from the policies read back from the
  account. Each attempt is also decided by the policy engine from the policies read back from the
  account; if the account and the engine disagree, the check fails as engine drift.

  Background:
    Given an administrator who is not the account root user is signed in
    And an IAM user "iam-test-user" with no permissions of its own
    And a role "s3-list-role" whose trust policy names only that user:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustOnlyTheNamedUser",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::{{account_id}}:user/{{user_name}}"},
            "Action": "sts:AssumeRole"
          }
        ]
      }
      """
    And a customer-managed policy "s3-list-buckets" that allows only listing buckets:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "ListAllBucketsOnly",
            "Effect": "Allow",
            "Action": "s3:ListAllMyBuckets",
            "Resource": "*"
          }
        ]
      }
      """
    And the policy is attached to the role
    And an S3 bucket "demo-bucket" holding the object "report.csv"
    And the user has signed in with its own credentials and switched to the role

  Scenario: The role can list all buckets
    Then the role can perform "s3:ListAllMyBuckets"

  @control:CIS-1.16
  Scenario: Nothing in the account grants the role's session more than listing the buckets
    Then the role session's account-wide access is exactly "s3:ListAllMyBuckets" on "*"

  Scenario Outline: The role cannot <activity>
    Then the role cannot perform "<action>"

    Examples:
      | activity                                   | action                |
      | read objects in the bucket                 | s3:GetObject          |
      | write objects in the bucket                | s3:PutObject          |
      | delete objects in the bucket               | s3:DeleteObject       |
      | list the objects in the bucket             | s3:ListBucket         |
      | read the bucket policy                     | s3:GetBucketPolicy    |
      | change the bucket policy                   | s3:PutBucketPolicy    |
      | delete the bucket                          | s3:DeleteBucket       |
      | create a bucket                            | s3:CreateBucket       |
      | create IAM users                           | iam:CreateUser        |
      | attach a policy to its own role            | iam:AttachRolePolicy  |
      | add an inline policy to its own role       | iam:PutRolePolicy     |
      | pass its role to an AWS service            | iam:PassRole          |
      | assume another role                        | sts:AssumeRole        |
      | use an unrelated service                   | sns:ListTopics        |
