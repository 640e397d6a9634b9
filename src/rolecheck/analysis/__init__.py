"""Account-wide analysis: pure over a snapshot (no boto3, no Allure)."""
