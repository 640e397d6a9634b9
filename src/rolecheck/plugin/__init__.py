"""The pytest plugins of the suite: options, fixtures, hooks, the xdist scheduler."""
