@concern:policy-documents @severity:critical @control:NIST-AC-6
Feature: The deployed policy documents are the reviewed ones and grant only what they say
  Static checks of the documents read back from the account. The role's effective permissions are
  computed by the policy engine over the whole AWS action catalog, not sampled.

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

  Scenario: The role's effective permissions are exactly the reviewed set
    Then the role's effective permissions over the whole action catalog are exactly:
      | action              |
      | s3:ListAllMyBuckets |

  @control:CIS-1.16
  Scenario: No policy of the role grants wildcard actions
    Then no policy of the role allows a wildcard action or uses NotAction
    And every action the role's policies allow is named in full

  Scenario: The role cannot escalate its privileges
    Then the role is allowed no privilege-escalation action

  Scenario: The deployed documents are the reviewed documents
    Then the permission policy read back from the account is the reviewed document
    And the trust policy read back from the account is the reviewed document
    And the role has no policy but the reviewed one
