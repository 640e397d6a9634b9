"""Audit mode: the compliance suite run against what already exists, read-only, or against infrastructure-as-code.

``mapping`` reads the file that names the real resources behind the feature files' logical names; ``locate`` is
the provisioner that finds them instead of creating them; ``iac`` deploys a CloudFormation template or a Terraform
plan into moto and derives that mapping; ``command`` is ``rolecheck audit``.
"""
