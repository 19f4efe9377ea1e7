"""Renderers: turn results (diagnostics, quotes, diffs, simulations) into text, json, markdown,
github annotations, sarif and junit. Renderers return strings or print to a console; they never
decide exit codes."""
