"""Everything Checkov: the CKV_CTJ_* custom checks and the ``ctj-policy checkov`` command.

Layers inside (bottom first); every module but ``command`` and ``checks/ctj_checks``
imports the standard library only, because the checks run them inside Checkov's own
environment (where python-hcl2 must not be installed):

* :mod:`.conf`: Checkov's per-resource conf -> the model, a loader adapter over
  :mod:`ctj_policy.loaders.build` (imports nothing above the loaders);
* :mod:`.mapping`: one ``CKV_CTJ_<nnn>`` per rule, derived from the rules' metadata;
* :mod:`.verdict`, :mod:`.targets`: a check's verdict; which file a plan-mode check reads;
* :mod:`.plan`, :mod:`.hcl`, :mod:`.adapter`: the verdicts, above the engine;
* ``checks/ctj_checks.py``: the Checkov check classes (``--external-checks-dir`` points at
  ``checks/``, shipped inside the package);
* :mod:`.command`: ``ctj-policy checkov``, which finds Checkov and runs it offline.

Importing this package imports nothing else (the CLI imports :mod:`.command` at start-up).
"""
