"""Audit mode: the compliance suite run against what already exists, read-only, or against infrastructure-as-code.

``mapping`` reads the file that names the real resources behind the feature files' logical names; ``locate`` is
the provisioner that finds them instead of creating them; ``mode`` tells the fixtures whether a run is an audit;
``cloudformation`` and ``terraform`` deploy a template or a plan into moto and ``iac`` derives the mapping for what
they deployed; ``command`` is ``rolecheck audit``. The read-only guard itself is in ``rolecheck.aws.clients``.
"""
