"""The compliance suite's own domain: the scene, provisioning, probing, vocabulary, claims, checks."""
