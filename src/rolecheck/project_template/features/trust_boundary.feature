@concern:trust-boundary @severity:critical @control:NIST-AC-2 @control:NIST-AC-6
Feature: Only the named user can assume the role
  Account management (NIST SP 800-53 AC-2): the role's trust policy decides who may assume it. It names
  one IAM user; every other principal, in this account or another, signed or not, must be refused.
  (AWS STS refuses every unsigned request before it reads a policy; that row confirms the guarantee.)
  Another account's administrator needs a second account: the moto targets make one; on a real account
  that row runs with --foreign-profile (an AWS profile of another account) and is otherwise skipped,
  and the report says why.

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

  Scenario: The user named in the trust policy can assume the role
    Then the user named in the trust policy can assume the role

  Scenario Outline: <outsider> cannot assume the role
    Then "<outsider>" cannot assume the role

    Examples:
      | outsider                                                     |
      | another IAM user whose own policy allows assuming every role |
      | an administrator of another AWS account                      |
      | an unsigned request                                          |
      | the role's own session                                       |

  Scenario: Nothing in the account lets anyone but the named user assume the role
    Then the only principal that can assume the role is the named user

  Scenario: The role's session cannot switch to any other role
    Then the role session can assume no role

  Scenario: The trust policy admits no one but the named user
    Then the trust policy is not accessible from the internet
    And the trust policy names no wildcard principal
    And the trust policy trusts no whole account without a condition
    And the trust policy trusts no principal but the named user
