"""Binds every feature file to pytest: one test per scenario (per Examples row for outlines)."""

from pytest_bdd import scenarios

scenarios(".")
