@concern:trust-boundary @severity:critical @control:NIST-AC-2 @control:NIST-AC-6
Feature: GitHub Actions deploys the app from the main branch of one repository, and no one else can
  The role "deployer" trusts the GitHub Actions OIDC provider, for the one subject
  "repo:example-org/app:ref:refs/heads/main" and the audience "sts.amazonaws.com". A trust with no
  condition on the token's "sub" would admit every repository on GitHub: that is the finding this
  feature exists to catch. The role's one policy deploys the function "app" and nothing else.

  Background:
    Given an administrator who is not the account root user is signed in
    And an OIDC provider "github" for "https://token.actions.githubusercontent.com" with the audience "sts.amazonaws.com"
    And a role "deployer" whose trust policy names only the OIDC provider "github" for the subject "repo:example-org/app:ref:refs/heads/main":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustTheMainBranchOfTheApp",
            "Effect": "Allow",
            "Principal": {"Federated": "{{github.arn}}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
              "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:example-org/app:ref:refs/heads/main"
              }
            }
          }
        ]
      }
      """
    And a Lambda function "app"
    And a customer-managed policy "deploy-the-app" that allows only deploying the function "app":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "DeployTheApp",
            "Effect": "Allow",
            "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"],
            "Resource": "{{app.arn}}"
          }
        ]
      }
      """
    And the policy "deploy-the-app" is attached to the role "deployer"

  Scenario: A token for the main branch of the app can assume the role
    Then a token from "github" for the subject "repo:example-org/app:ref:refs/heads/main" can assume the role "deployer"

  Scenario Outline: A token for <who> cannot assume the role
    Then a token from "github" for the subject "<subject>" cannot assume the role "deployer"

    Examples:
      | who                             | subject                                       |
      | another repository              | repo:other-org/evil:ref:refs/heads/main       |
      | another branch of the app       | repo:example-org/app:ref:refs/heads/feature-x |
      | a pull request against the app  | repo:example-org/app:pull_request             |

  Scenario: Only the main branch of the app can assume the role
    Then the only principals that can assume the role "deployer" are:
      | principal                                            | condition                                                  |
      | federated "repo:example-org/app:ref:refs/heads/main" | token.actions.githubusercontent.com:aud StringEquals sts.amazonaws.com |

  Scenario: Nothing in the account grants the role more than deploying the app
    Then the role "deployer"'s account-wide access is exactly:
      | action                     | resource    |
      | lambda:GetFunction         | {{app.arn}} |
      | lambda:UpdateFunctionCode  | {{app.arn}} |

  Scenario: The role cannot hand itself to a service or reach another role
    Then the role "deployer" cannot perform "iam:PassRole"
    And the role "deployer" cannot perform "lambda:DeleteFunction" on the function "app"
    And the session of the role "deployer" can reach no other role
