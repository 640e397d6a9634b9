"""rolecheck as a pytest plugin, loaded through its ``pytest11`` entry point wherever rolecheck is installed.

A folder of ``.feature`` files is then a suite: the plugins below give it the options, fixtures and hooks, and the
step modules the sentences. The checkout's own ``features/`` is collected the same way as a user's project.
"""

# The hooks first: they register the markers that the other plugins' configure hooks may rely on.
pytest_plugins = [
    "rolecheck.plugin.hooks",
    "rolecheck.plugin.collection",
    "rolecheck.plugin.targets",
    "rolecheck.plugin.audit",
    "rolecheck.plugin.simulated_aws",
    "rolecheck.plugin.scene",
    "rolecheck.steps.deployment_steps",
    "rolecheck.plugin.outsiders",
    "rolecheck.plugin.clock",
    "rolecheck.steps.session_steps",
    "rolecheck.steps.probe_steps",
    "rolecheck.steps.trust_steps",
    "rolecheck.steps.credential_steps",
    "rolecheck.steps.static_steps",
    "rolecheck.steps.inventory_steps",
    "rolecheck.steps.claim_steps",
    "rolecheck.steps.contract_steps",
    "rolecheck.plugin.reporting",
    "rolecheck.plugin.mutation",
]
