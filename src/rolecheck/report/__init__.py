"""The Allure report: environment facts for the results, and rendering them into one HTML file."""

from rolecheck.report.rendering import Rendered, RenderError, how_to_render, render

__all__ = ["RenderError", "Rendered", "how_to_render", "render"]
