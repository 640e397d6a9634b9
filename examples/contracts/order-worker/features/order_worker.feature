@concern:least-privilege @severity:critical @control:NIST-AC-6
Feature: The order worker runs as Lambda, reads one table and publishes to one topic; the on-call engineer announces incidents
  Least privilege (NIST SP 800-53 AC-6): the role "order-worker" is assumed by AWS Lambda only, reads the table
  "orders" and publishes to the topic "order-events"; the secret "orders-api-key" and the key "orders-key" are
  not its to use. The user "on-call" announces incidents on the topic through the group "on-call-engineers", and does nothing else; the
  user "intern" holds the same policy, but its permissions boundary allows nothing of it.

  Background:
    Given an administrator who is not the account root user is signed in
    And a DynamoDB table "orders"
    And an SNS topic "order-events"
    And a Secrets Manager secret "orders-api-key"
    And a KMS key "orders-key"
    And a role "order-worker" whose trust policy names only the service "lambda.amazonaws.com":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "RunAsLambda",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"
          }
        ]
      }
      """
    And an inline policy "read-orders" of the role "order-worker" that allows only reading the table "orders":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "ReadOrders",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": "{{orders.arn}}"
          }
        ]
      }
      """
    And an inline policy "publish-order-events" of the role "order-worker" that allows only publishing to the topic "order-events":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "PublishOrderEvents",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "{{order-events.arn}}"
          }
        ]
      }
      """
    And an IAM user "on-call" with no permissions of its own
    And an IAM group "on-call-engineers" that the user "on-call" belongs to
    And a customer-managed policy "announce-incidents" that allows only publishing to the topic "order-events":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "AnnounceIncidents",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "{{order-events.arn}}"
          }
        ]
      }
      """
    And the policy "announce-incidents" is attached to the group "on-call-engineers"
    And an IAM user "intern" with no permissions of its own
    And the policy "announce-incidents" is attached to the user "intern"
    And a customer-managed policy "intern-boundary" that allows only listing buckets:
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "AtMostListBuckets",
            "Effect": "Allow",
            "Action": "s3:ListAllMyBuckets",
            "Resource": "*"
          }
        ]
      }
      """
    And the policy "intern-boundary" is the permissions boundary of the user "intern"

  Scenario: Only AWS Lambda can assume the worker role
    Then the only principals that can assume the role "order-worker" are:
      | principal                      | condition |
      | service "lambda.amazonaws.com" |           |

  Scenario: The worker reads the orders and publishes their events, and uses nothing else
    Then the role "order-worker" cannot perform "dynamodb:PutItem" on the table "orders"
    And the role "order-worker" cannot perform "secretsmanager:GetSecretValue" on the secret "orders-api-key"
    And the role "order-worker" cannot perform "kms:Decrypt" on the key "orders-key"
    And the role "order-worker" cannot perform "sns:DeleteTopic" on the topic "order-events"

  Scenario: Nothing in the account grants the worker more than the orders and their events
    Then the role "order-worker"'s account-wide access is exactly:
      | action           | resource              |
      | dynamodb:GetItem | {{orders.arn}}        |
      | dynamodb:Query   | {{orders.arn}}        |
      | sns:Publish      | {{order-events.arn}}  |

  Scenario: The on-call engineer announces incidents on the topic and does nothing else
    Then the user "on-call" can perform "sns:Publish" on the topic "order-events"
    And the user "on-call" cannot perform "sns:DeleteTopic" on the topic "order-events"
    And the user "on-call" cannot perform "secretsmanager:GetSecretValue" on the secret "orders-api-key"

  Scenario: The intern's permissions boundary holds back the policy attached to it
    Then the user "intern" cannot perform "sns:Publish" on the topic "order-events"
