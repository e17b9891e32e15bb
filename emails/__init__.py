"""The mail templates, installed as the package ``app._emails`` (see pyproject.toml).

This file only lets an editable install map the folder into the package; it holds no code.
"""
