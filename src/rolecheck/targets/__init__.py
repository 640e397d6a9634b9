"""Where the suite runs: moto in process, a moto server, or a real AWS account."""
