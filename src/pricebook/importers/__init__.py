"""Importers: catalogs from other pricing formats.

``pricing2yaml`` converts Pricing2Yaml files (the ISA Group's format for SaaS pricing pages) into
pricebook catalogs, one catalog folder per file, or one product's yearly files into a git repository
with one commit and one release per year (``history``). Whatever cannot be mapped is listed in an
``ImportReport``; nothing is dropped silently.
"""
