"""The CKV_CTJ_* Checkov custom checks, shipped inside the package.

``checkov --external-checks-dir <this directory>`` (``ctj-policy checkov`` adds
it; ``ctj-policy checkov --print-checks-dir`` prints it) makes Checkov import
every ``.py`` file here except this one: ``ctj_checks.py`` registers one
check per CTJ rule.  Checkov needs this ``__init__.py`` to load the directory.
Nothing here is imported by ctj-policy itself (``ctj_checks`` imports Checkov).
"""
