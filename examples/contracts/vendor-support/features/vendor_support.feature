@concern:trust-boundary @severity:critical @control:NIST-AC-2 @control:NIST-AC-20
Feature: The vendor's engineer reads our support tickets from their own account, with our external id
  Use of external systems (NIST SP 800-53 AC-20): the role "vendor-support" trusts one user of the
  vendor's account, and only when the call carries the external id we gave the vendor (sts:ExternalId,
  the confused-deputy guard). Its one policy receives messages from the queue "support-tickets".

  Background:
    Given an administrator who is not the account root user is signed in
    And an IAM user "vendor-engineer" of the other account
    And an SQS queue "support-tickets"
    And a role "vendor-support" whose trust policy names only the user "vendor-engineer" of the other account with an external id:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustTheVendorWithOurExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": "{{vendor-engineer.arn}}"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "example-vendor-7f3a"}}
          }
        ]
      }
      """
    And a customer-managed policy "read-support-tickets" that allows only receiving messages from the queue "support-tickets":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "ReceiveSupportTickets",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
            "Resource": "{{support-tickets.arn}}"
          }
        ]
      }
      """
    And the policy "read-support-tickets" is attached to the role "vendor-support"

  Scenario: The vendor's engineer can assume the role with the external id
    Then the user "vendor-engineer" of the other account can assume the role "vendor-support" with the external id "example-vendor-7f3a"

  Scenario: The vendor's engineer cannot assume the role without the external id
    Then the user "vendor-engineer" of the other account cannot assume the role "vendor-support" without the external id

  Scenario: Only the vendor's engineer, with the external id, can assume the role
    Then the only principals that can assume the role "vendor-support" are:
      | principal              | condition                                   |
      | user "vendor-engineer" | sts:ExternalId StringEquals example-vendor-7f3a |

  Scenario: The role receives the support tickets and does nothing else
    Then the role "vendor-support" can perform "sqs:ReceiveMessage" on the queue "support-tickets"
    And the role "vendor-support" cannot perform "sqs:SendMessage" on the queue "support-tickets"
    And the role "vendor-support" cannot perform "sqs:DeleteQueue" on the queue "support-tickets"

  Scenario: Nothing in the account grants the role more than reading the tickets
    Then the role "vendor-support"'s account-wide access is exactly:
      | action                 | resource                 |
      | sqs:GetQueueAttributes | {{support-tickets.arn}}  |
      | sqs:ReceiveMessage     | {{support-tickets.arn}}  |

  Scenario: The vendor's sessions are short and lead nowhere else
    Then sessions of the role "vendor-support" last at most 3600 seconds
    And the session of the role "vendor-support" can reach no other role
