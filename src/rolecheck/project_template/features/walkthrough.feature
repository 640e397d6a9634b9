@concern:walkthrough @severity:critical
Feature: Temporary least-privilege access to S3 through an IAM role
  An administrator lets an IAM user list the account's S3 buckets by switching to an IAM role,
  instead of giving the user permissions of its own. The user receives temporary credentials from
  AWS STS, and those credentials can do one thing: list the buckets.

  The policy documents below are exactly what is deployed. Values in double braces are filled in at
  run time: {{account_id}} is the account, {{user_name}} the generated name of the user. Resource
  names such as "iam-test-user" are prefixed with the run id so that runs never collide.

  Scenario: An IAM user lists the buckets through the role with temporary credentials
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
    And an S3 bucket "demo-bucket"
    And the user has console access with a generated password that must be changed at first sign-in
    When the user signs in with its own credentials and switches to the role
    Then the user holds temporary credentials for the role
    And with those credentials the user lists the buckets and sees "demo-bucket"
    And the user must choose a new console password at first sign-in
