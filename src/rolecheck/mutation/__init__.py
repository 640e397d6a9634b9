"""The mutation catalog: deliberate misconfigurations, and the runner that proves each is caught."""
