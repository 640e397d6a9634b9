"""AWS access: boto3 clients against a target, read-back, snapshot reading, consistency, clean-up, safety."""
