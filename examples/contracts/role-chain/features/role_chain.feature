@concern:trust-boundary @severity:critical @control:NIST-AC-2 @control:NIST-AC-6
Feature: The operator reaches the target role only through the jump role, and the jump role leads nowhere else
  The user "operator" may assume the role "jump"; the role "jump" may assume the role "target" and no
  other role. A second role that trusts the whole account (or the jump role) would make the jump role a
  door to more than it was reviewed for: that is the finding this feature exists to catch.

  Background:
    Given an administrator who is not the account root user is signed in
    And an IAM user "operator" with no permissions of its own
    And a role "jump" whose trust policy names only that user:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustTheOperator",
            "Effect": "Allow",
            "Principal": {"AWS": "{{operator.arn}}"},
            "Action": "sts:AssumeRole"
          }
        ]
      }
      """
    And a role "target" whose trust policy names only the role "jump":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustTheJumpRole",
            "Effect": "Allow",
            "Principal": {"AWS": "{{jump.arn}}"},
            "Action": "sts:AssumeRole"
          }
        ]
      }
      """
    And an inline policy "assume-target" of the role "jump" that allows only assuming the role "target":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "AssumeTheTargetOnly",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "{{target.arn}}"
          }
        ]
      }
      """
    And an S3 bucket "operations"
    And a customer-managed policy "list-buckets" that allows only listing buckets:
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
    And the policy "list-buckets" is attached to the role "target"

  Scenario: The operator reaches the target through the jump role
    Given the user "operator" has signed in with its own credentials and switched to the role "jump"
    And the session of the role "jump" has switched to the role "target"
    Then the session of the role "target" can perform "s3:ListAllMyBuckets"
    And the session of the role "target" cannot perform "s3:GetObject" on "anything.csv" in the bucket "operations"

  Scenario: The jump role can reach only the target role
    Then the session of the role "jump" can reach only the role "target"
    And the session of the role "target" can reach no other role

  Scenario: The operator cannot skip the jump role
    Then the user "operator" cannot perform "sts:AssumeRole" on "{{target.arn}}"

  Scenario: Only the operator can assume the jump role, and only the jump role the target
    Then the only principals that can assume the role "jump" are:
      | principal       | condition |
      | user "operator" |           |
    And the only principals that can assume the role "target" are:
      | principal                  | condition |
      | session of the role "jump" |           |

  Scenario: Nothing in the account grants the jump role more than assuming the target
    Then the role "jump"'s account-wide access is exactly:
      | action         | resource       |
      | sts:AssumeRole | {{target.arn}} |
