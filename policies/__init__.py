"""CTJ custom checks for Checkov (``checkov --external-checks-dir policies/``).

Checkov imports every ``.py`` file in this directory; the checks live in
``ctj_checkov_checks.py``, the YAML graph policies beside it.  See
docs/checkov.md.
"""
