@concern:temporary-credentials @severity:critical
Feature: The role's credentials are temporary and attributed to the user
  Authenticator management (NIST SP 800-53 IA-5): the credentials the user receives for the role are
  short-lived session credentials that expire, that cannot be stretched beyond one hour, and that
  CloudTrail attributes to the user's session. The user itself holds no standing permissions.

  The one-hour limit on chained sessions and the session's identity are guaranteed by AWS STS itself:
  on a real account these checks confirm the guarantee, offline they hold the moto target to it.
  Expiry is guaranteed by STS too, but checking it means waiting out the credentials' lifetime: it is
  checked on the moto targets, whose clock the suite moves, and skipped on a real account (the report
  says why). The role's own maximum session length is the account's setting, and is checked as
  configured.

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

  @control:NIST-AC-12
  Scenario: The role's credentials are temporary session credentials
    Then the user holds temporary credentials for the role

  @control:NIST-AC-12
  Scenario: The role refuses sessions longer than one hour
    Then the role allows sessions of at most 3600 seconds
    And the user cannot get credentials for the role that last 3601 seconds

  @control:NIST-AC-12
  Scenario: A session chained from the role lasts at most one hour
    Given a role "chained-role" that trusts the role's session and allows 12-hour sessions
    Then the role's session cannot get credentials for "chained-role" that last 3601 seconds

  @control:NIST-AC-12
  Scenario: Expired credentials are rejected
    When the role's credentials have expired
    Then the role's credentials are rejected as expired

  Scenario: Actions with the role's credentials are attributed to the user's session
    Then the role's caller identity is "arn:aws:sts::{{account_id}}:assumed-role/{{role_name}}/{{session_name}}"

  @control:CIS-1.15
  Scenario: The user has no standing permissions of its own
    Then the user's account-wide access is exactly assuming the reviewed role, nothing else
    And with its own credentials the user can perform none of the actions the role is refused
    And with its own credentials the user cannot perform "s3:ListAllMyBuckets"
