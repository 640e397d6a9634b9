@concern:trust-boundary @severity:critical @control:NIST-AC-2 @control:NIST-IA-8
Feature: The workforce signs in to the console through the corporate identity provider, and through it only
  The role "workforce" trusts the corporate SAML provider "corp-idp", for assertions whose audience
  is AWS sign-in (saml:aud "https://signin.aws.amazon.com/saml"). A trust without that condition would
  take an assertion the identity provider issued for any other service provider: that is the finding.
  Another SAML provider of the account, "partner-idp", must not reach the role.

  Background:
    Given an administrator who is not the account root user is signed in
    And a SAML provider "corp-idp"
    And a SAML provider "partner-idp"
    And a role "workforce" whose trust policy names only the SAML provider "corp-idp":
      """json
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "TrustCorporateSignIn",
            "Effect": "Allow",
            "Principal": {"Federated": "{{corp-idp.arn}}"},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}
          }
        ]
      }
      """

  Scenario: An employee signed in through the corporate identity provider can assume the role
    Then a SAML assertion from "corp-idp" for the subject "alice@example.com" can assume the role "workforce"

  Scenario: An assertion of the partner's identity provider cannot assume the role
    Then a SAML assertion from "partner-idp" for the subject "alice@example.com" cannot assume the role "workforce"

  Scenario: Only AWS sign-in assertions of the corporate identity provider can assume the role
    Then the only principals that can assume the role "workforce" are:
      | principal     | condition                                             |
      | federated "*" | saml:aud StringEquals https://signin.aws.amazon.com/saml |
