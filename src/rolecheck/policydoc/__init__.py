"""Raw policy documents as JSON: filling, parsing, comparing, linting. Pure."""
