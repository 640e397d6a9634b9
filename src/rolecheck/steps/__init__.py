"""The Gherkin step definitions: each parses its sentence and calls the suite's domain."""
