@concern:trust-boundary @severity:critical @control:NIST-IA-2 @control:NIST-AC-6
Feature: The analyst reads this month's reports only after signing in with MFA
  The analyst has no permissions of their own. The role "reports-reader" trusts the analyst, and only
  when the analyst signed in with a second factor (aws:MultiFactorAuthPresent). Its one policy lets it
  read the objects under "monthly/" in the bucket "reports" and list that prefix, nothing else: the
  salaries under "private/" stay out of reach.

  Background:
    Given an administrator who is not the account root user is signed in
    And an IAM user "analyst" with an MFA device and no permissions of its own
    And a role "reports-reader" whose trust policy names only the user "analyst" with MFA:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustTheAnalystWithMfa",
            "Effect": "Allow",
            "Principal": {"AWS": "{{analyst.arn}}"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
          }
        ]
      }
      """
    And an S3 bucket "reports" holding the objects:
      | key                  |
      | monthly/2026-11.csv  |
      | private/salaries.csv |
    And a customer-managed policy "read-monthly-reports" that allows only reading "monthly/*" in the bucket "reports":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "ReadTheMonthlyReports",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::{{reports.name}}/monthly/*"
          },
          {
            "Sid": "ListTheMonthlyPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::{{reports.name}}",
            "Condition": {"StringLike": {"s3:prefix": "monthly/*"}}
          }
        ]
      }
      """
    And the policy "read-monthly-reports" is attached to the role "reports-reader"

  Scenario: The analyst cannot assume the role without MFA
    Then the user "analyst" cannot assume the role "reports-reader" without MFA

  Scenario: The analyst can assume the role with MFA
    Then the user "analyst" can assume the role "reports-reader" with MFA

  Scenario: With MFA the analyst reads the monthly reports and nothing else
    Given the user "analyst" has signed in with its own credentials and switched to the role "reports-reader"
    Then the session of the role "reports-reader" can perform "s3:GetObject" on "monthly/2026-11.csv" in the bucket "reports"
    And the session of the role "reports-reader" can perform "s3:ListBucket" on the bucket "reports" when "s3:prefix" is "monthly/"
    And the session of the role "reports-reader" cannot perform "s3:GetObject" on "private/salaries.csv" in the bucket "reports"
    And the session of the role "reports-reader" cannot perform "s3:ListBucket" on the bucket "reports" when "s3:prefix" is "private/"
    And the session of the role "reports-reader" cannot perform "s3:PutObject" on "monthly/2026-12.csv" in the bucket "reports"

  Scenario: Nothing in the account grants the role more than the monthly reports
    Then the role "reports-reader"'s account-wide access is exactly:
      | action        | resource                                | condition                    |
      | s3:GetObject  | arn:aws:s3:::{{reports.name}}/monthly/* |                              |
      | s3:ListBucket | arn:aws:s3:::{{reports.name}}           | s3:prefix StringLike monthly/* |

  Scenario: Only the analyst, with MFA, can assume the role
    Then the only principals that can assume the role "reports-reader" are:
      | principal      | condition                            |
      | user "analyst" | aws:MultiFactorAuthPresent Bool true |

  Scenario: The role's sessions are short
    Then sessions of the role "reports-reader" last at most 3600 seconds
    And the session of the role "reports-reader" can reach no other role
